package subscribe

import (
	"fmt"
	"net/mail"
	"strings"
)

// ParseAddress splits the usual `Name <address>` form (RFC 5322: a quoted
// or encoded name, or plain words in any script, as in
// 'نورة <noura@example.org>') into its display name and address. A bare
// address comes back with an empty name, unchanged: the store normalises
// and checks it. The name is not cleaned (see CleanName).
func ParseAddress(s string) (name, addr string, err error) {
	t := strings.TrimSpace(s)
	if !strings.ContainsAny(t, "<>\"(") {
		return "", t, nil
	}
	a, err := mail.ParseAddress(t)
	if err != nil {
		return "", "", fmt.Errorf("%q is neither an address nor 'Name <address>': %v", s, err)
	}
	return a.Name, a.Address, nil
}
