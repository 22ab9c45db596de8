package mailer

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMOptions configures DKIM signing: the d= domain, the s= selector and
// the private key (*rsa.PrivateKey or ed25519.PrivateKey).
type DKIMOptions struct {
	Domain, Selector string
	Key              crypto.Signer
}

// SignedHeaders lists the header fields covered by the signature. Each is
// listed twice ("oversigned"): the second entry hashes as empty, so a copy
// of the field added in transit breaks the signature instead of being shown.
var SignedHeaders = []string{
	"From", "To", "Subject", "Date", "Message-ID", "Reply-To",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"MIME-Version", "Content-Type",
}

// LoadDKIMKey reads a PEM private key: PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
// ("PRIVATE KEY", RSA or ed25519).
func LoadDKIMKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mailer: dkim key: %w", err)
	}
	key, err := ParseDKIMKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return key, nil
}

// ParseDKIMKey parses a PEM private key as LoadDKIMKey does.
func ParseDKIMKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("mailer: dkim key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("mailer: dkim key: %w", err)
		}
		return checkKey(k)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("mailer: dkim key: %w", err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("mailer: dkim key: unsupported key type %T", k)
		}
		return checkKey(s)
	default:
		return nil, fmt.Errorf("mailer: dkim key: unsupported PEM block %q", block.Type)
	}
}

func checkKey(s crypto.Signer) (crypto.Signer, error) {
	switch k := s.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("mailer: dkim key: RSA key of %d bits is too short", k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ed25519.PrivateKey:
		return *k, nil
	default:
		return nil, fmt.Errorf("mailer: dkim key: unsupported key type %T (want RSA or ed25519)", s)
	}
}

// DKIMRecord returns the DNS TXT record value to publish at
// <selector>._domainkey.<domain> for the public half of key.
func DKIMRecord(key crypto.Signer) (string, error) {
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("mailer: dkim record: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	default:
		return "", fmt.Errorf("mailer: dkim record: unsupported key type %T", pub)
	}
}

// signDKIM prepends a DKIM-Signature (relaxed/relaxed, SHA-256) computed
// over exactly the bytes given, writing the signed message into buf (an
// empty buffer, grown when too small).
func signDKIM(o *DKIMOptions, msg, buf []byte) ([]byte, error) {
	if o.Domain == "" || o.Selector == "" || o.Key == nil {
		return nil, errors.New("mailer: dkim: domain, selector and key are required")
	}
	keys := make([]string, 0, 2*len(SignedHeaders))
	for _, h := range SignedHeaders {
		keys = append(keys, h, h)
	}
	opts := &dkim.SignOptions{
		Domain:                 o.Domain,
		Selector:               o.Selector,
		Signer:                 o.Key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             keys,
	}
	out := bytes.NewBuffer(buf)
	if err := dkim.Sign(out, bytes.NewReader(msg), opts); err != nil {
		return nil, fmt.Errorf("mailer: dkim sign: %w", err)
	}
	return out.Bytes(), nil
}
