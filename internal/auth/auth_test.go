package auth_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/auth"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type bundle struct {
	ctx   context.Context
	st    *sqlite.Store
	svc   *auth.Service
	clock *clock
	path  string
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nashra.db")
	st := teststore.SQLiteAt(t, path)
	c := &clock{t: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)}
	return &bundle{ctx: ctx, st: st, svc: auth.New(st, auth.Options{Now: c.Now}), clock: c, path: path}
}

var cli = auth.Actor{Name: "cli"}

func (b *bundle) addUser(t *testing.T, email string, role store.Role) *store.User {
	t.Helper()
	u, err := b.svc.AddUser(b.ctx, cli, email, "مستخدم", role, "كلمة-سر-طويلة")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("كلمة-سر-طويلة")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "كلمة") {
		t.Errorf("hash %q", h)
	}
	h2, _ := auth.HashPassword("كلمة-سر-طويلة")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !auth.CheckPassword(h, "كلمة-سر-طويلة") {
		t.Error("right password refused")
	}
	for _, bad := range []string{"كلمة-سر-طويلةx", "", "كلمة-سر-طويل"} {
		if auth.CheckPassword(h, bad) {
			t.Errorf("wrong password %q accepted", bad)
		}
	}
	for _, malformed := range []string{"", "$argon2id$", "plain", strings.Replace(h, "v=19", "v=16", 1), h[:len(h)-30]} {
		if auth.CheckPassword(malformed, "كلمة-سر-طويلة") {
			t.Errorf("malformed hash %q matched", malformed)
		}
	}
	if _, err := auth.HashPassword("short"); !errors.Is(err, auth.ErrWeakPassword) {
		t.Errorf("short password: %v", err)
	}
}

// TestTOTP checks RFC 6238's SHA-1 test vectors (last six digits).
func TestTOTP(t *testing.T) {
	t.Parallel()
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, tc := range []struct {
		unix int64
		code string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := auth.TOTPCode(secret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.code {
			t.Errorf("TOTPCode(%d) = %q, %v; want %s", tc.unix, got, err, tc.code)
		}
		if !auth.CheckTOTP(secret, tc.code, time.Unix(tc.unix+30, 0)) {
			t.Errorf("code %s refused one step late", tc.code)
		}
		if auth.CheckTOTP(secret, tc.code, time.Unix(tc.unix+95, 0)) {
			t.Errorf("code %s accepted three steps late", tc.code)
		}
	}
	if auth.CheckTOTP(secret, "", time.Unix(59, 0)) || auth.CheckTOTP("!!", "287082", time.Unix(59, 0)) {
		t.Error("empty code or bad secret accepted")
	}
	uri := auth.TOTPURI("nashra", "huda@example.com", secret)
	if !strings.HasPrefix(uri, "otpauth://totp/nashra:huda@example.com?") || !strings.Contains(uri, "secret="+secret) {
		t.Errorf("URI %s", uri)
	}
}

func TestLoginAndSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser(t, "Huda@Example.com", store.RoleEditor)
	c := auth.Client{Addr: "192.0.2.10", UserAgent: "Firefox"}

	if _, err := b.svc.Login(b.ctx, "huda@example.com", "wrong password", c); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := b.svc.Login(b.ctx, "nobody@example.com", "كلمة-سر-طويلة", c); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("unknown account: %v", err)
	}
	res, err := b.svc.Login(b.ctx, " HUDA@example.com ", "كلمة-سر-طويلة", c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Session.Pending || res.SessionID == "" || res.Session.IDHash != auth.HashSecret(res.SessionID) {
		t.Fatalf("login result %+v", res.Session)
	}
	res2, err := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c)
	if err != nil || res2.SessionID == res.SessionID {
		t.Fatalf("second login reused the session id (%v)", err)
	}
	x, u, err := b.svc.Session(b.ctx, res.SessionID)
	if err != nil || u.Email != "huda@example.com" || x.CSRF == "" || u.LastLoginAt.IsZero() {
		t.Fatalf("Session: %+v %+v %v", x, u, err)
	}

	// Idle expiry: 2 h without a request.
	b.clock.Add(2*time.Hour + time.Second)
	if _, _, err := b.svc.Session(b.ctx, res.SessionID); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	// Absolute expiry: used every hour, still gone after 12 h.
	res3, _ := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c)
	for range 11 {
		b.clock.Add(time.Hour)
		if _, _, err := b.svc.Session(b.ctx, res3.SessionID); err != nil {
			t.Fatalf("active session ended early: %v", err)
		}
	}
	b.clock.Add(time.Hour + time.Second)
	if _, _, err := b.svc.Session(b.ctx, res3.SessionID); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("session older than 12 h: %v", err)
	}

	res4, _ := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c)
	if err := b.svc.Logout(b.ctx, res4.SessionID, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.svc.Session(b.ctx, res4.SessionID); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("after logout: %v", err)
	}

	log, _ := b.st.ListAudit(b.ctx, store.AuditQuery{})
	var actions []string
	for i := len(log) - 1; i >= 0; i-- {
		actions = append(actions, log[i].Action+":"+log[i].Target)
	}
	want := "user.add:huda@example.com login.failed:huda@example.com login.failed:nobody@example.com login:huda@example.com login:huda@example.com login:huda@example.com login:huda@example.com logout:huda@example.com"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit:\n got %s\nwant %s", got, want)
	}
	if log[0].Addr != "192.0.2.10" {
		t.Errorf("audit addr %q", log[0].Addr)
	}
}

// TestLoginThrottled: 20 wrong passwords on one account are refused
// after the fifth without checking, each one audited; the right password
// is refused too until the window passes; an unknown account behaves the
// same.
func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser(t, "huda@example.com", store.RoleAdmin)
	c := auth.Client{Addr: "198.51.100.4"}
	for _, email := range []string{"huda@example.com", "ghost@example.com"} {
		var errs []string
		for range 20 {
			_, err := b.svc.Login(b.ctx, email, "guess-guess-guess", c)
			errs = append(errs, err.Error())
		}
		for i, e := range errs {
			want := auth.ErrBadCredentials.Error()
			if i >= 5 {
				want = auth.ErrThrottled.Error()
			}
			if e != want {
				t.Errorf("%s attempt %d: %s, want %s", email, i+1, e, want)
			}
		}
		failed, _ := b.st.CountAudit(b.ctx, store.AuditQuery{Action: auth.ActionLoginFailed, Target: email})
		throttled, _ := b.st.CountAudit(b.ctx, store.AuditQuery{Action: auth.ActionLoginThrottled, Target: email})
		if failed != 5 || throttled != 15 {
			t.Errorf("%s: audited %d failed + %d throttled, want 5 + 15", email, failed, throttled)
		}
	}
	if _, err := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c); !errors.Is(err, auth.ErrThrottled) {
		t.Errorf("right password while throttled: %v", err)
	}
	// The address has 10 failures: another account from it still works
	// (limit 20), and after the window everything does.
	b.addUser(t, "sami@example.com", store.RoleViewer)
	if _, err := b.svc.Login(b.ctx, "sami@example.com", "كلمة-سر-طويلة", c); err != nil {
		t.Errorf("other account, same address: %v", err)
	}
	b.clock.Add(16 * time.Minute)
	if _, err := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// Per address: 20 failures on 20 different accounts block the 21st.
	other := auth.Client{Addr: "203.0.113.9"}
	for i := range 20 {
		b.svc.Login(b.ctx, "spray"+string(rune('a'+i))+"@example.com", "x-x-x-x-x-x", other)
	}
	if _, err := b.svc.Login(b.ctx, "sami@example.com", "كلمة-سر-طويلة", other); !errors.Is(err, auth.ErrThrottled) {
		t.Errorf("21st attempt from a spraying address: %v", err)
	}
}

func TestSecondFactor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser(t, "huda@example.com", store.RoleAdmin)
	setupTOTP, err := b.svc.EnableTOTP(b.ctx, cli, "huda@example.com")
	if err != nil || len(setupTOTP.RecoveryCodes) != 10 {
		t.Fatalf("EnableTOTP: %+v %v", setupTOTP, err)
	}
	u, _ := b.st.UserByEmail(b.ctx, "huda@example.com")
	for _, h := range u.RecoveryCodes {
		for _, code := range setupTOTP.RecoveryCodes {
			if h == code {
				t.Fatal("a recovery code is stored in clear")
			}
		}
	}
	c := auth.Client{Addr: "192.0.2.1"}
	res, err := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c)
	if err != nil || !res.Session.Pending {
		t.Fatalf("login with TOTP: %+v %v", res, err)
	}
	if _, _, err := b.svc.Session(b.ctx, res.SessionID); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("a pending session grants access: %v", err)
	}
	if _, err := b.svc.SecondFactor(b.ctx, res.SessionID, "000000", c); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("wrong code: %v", err)
	}
	code, _ := auth.TOTPCode(setupTOTP.Secret, b.clock.Now())
	full, err := b.svc.SecondFactor(b.ctx, res.SessionID, code, c)
	if err != nil || full.SessionID == res.SessionID || full.Session.Pending {
		t.Fatalf("SecondFactor: %+v %v", full, err)
	}
	if _, _, err := b.svc.Session(b.ctx, full.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.SecondFactor(b.ctx, res.SessionID, code, c); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("pending session reused: %v", err)
	}
	// A recovery code works once.
	for i, want := range []error{nil, auth.ErrBadCredentials} {
		res, _ := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c)
		_, err := b.svc.SecondFactor(b.ctx, res.SessionID, strings.ToUpper(setupTOTP.RecoveryCodes[3]), c)
		if !errors.Is(err, want) && err != want {
			t.Errorf("recovery code use %d: %v, want %v", i+1, err, want)
		}
	}
	u, _ = b.st.UserByEmail(b.ctx, "huda@example.com")
	if len(u.RecoveryCodes) != 9 {
		t.Errorf("%d recovery codes left, want 9", len(u.RecoveryCodes))
	}
	// A pending session expires after five minutes.
	res, _ = b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", c)
	b.clock.Add(6 * time.Minute)
	code, _ = auth.TOTPCode(setupTOTP.Secret, b.clock.Now())
	if _, err := b.svc.SecondFactor(b.ctx, res.SessionID, code, c); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("stale pending session: %v", err)
	}
}

// TestTokensHashed: the database holds no token in clear, a token differing
// in one character is refused, and a revoked token stops working.
func TestTokensHashed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser(t, "bot@example.com", store.RoleEditor)
	secret, tok, err := b.svc.CreateToken(b.ctx, cli, "bot@example.com", "النشر الآلي")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, auth.TokenPrefix) || tok.Hash != auth.HashSecret(secret) {
		t.Fatalf("token %q hash %q", secret, tok.Hash)
	}
	_, u, err := b.svc.Token(b.ctx, secret)
	if err != nil || u.Email != "bot@example.com" {
		t.Fatalf("Token: %v %v", u, err)
	}
	last := secret[len(secret)-1]
	flip := byte('A')
	if last == 'A' {
		flip = 'B'
	}
	for _, bad := range []string{secret[:len(secret)-1] + string(flip), secret[:len(secret)-1], "", "Bearer " + secret, strings.ToUpper(secret)} {
		if _, _, err := b.svc.Token(b.ctx, bad); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	b.st.Close()
	raw, err := os.ReadFile(b.path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(b.path + "-wal")
	body := secret[len(auth.TokenPrefix):]
	if strings.Contains(string(raw)+string(wal), body) {
		t.Error("the database file holds the token in clear")
	}
	if !strings.Contains(string(raw)+string(wal), tok.Hash) {
		t.Error("the database file does not hold the token's hash: is the check above looking at the right file?")
	}
}

func TestTokenRevokeAndLastAdmin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser(t, "boss@example.com", store.RoleAdmin)
	secret, _, _ := b.svc.CreateToken(b.ctx, cli, "boss@example.com", "ci")
	if err := b.svc.RevokeToken(b.ctx, cli, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.svc.Token(b.ctx, secret); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("revoked token: %v", err)
	}
	if _, err := b.svc.SetRole(b.ctx, cli, "boss@example.com", store.RoleViewer); !errors.Is(err, auth.ErrLastAdmin) {
		t.Errorf("demoting the last admin: %v", err)
	}
	if err := b.svc.RemoveUser(b.ctx, cli, "boss@example.com"); !errors.Is(err, auth.ErrLastAdmin) {
		t.Errorf("removing the last admin: %v", err)
	}
	b.addUser(t, "second@example.com", store.RoleAdmin)
	if _, err := b.svc.SetRole(b.ctx, cli, "boss@example.com", store.RoleViewer); err != nil {
		t.Errorf("demoting one of two admins: %v", err)
	}
	// A new password ends the user's sessions.
	res, _ := b.svc.Login(b.ctx, "second@example.com", "كلمة-سر-طويلة", auth.Client{})
	if err := b.svc.SetPassword(b.ctx, cli, "second@example.com", "كلمة-سر-جديدة-تماما"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.svc.Session(b.ctx, res.SessionID); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("session after password change: %v", err)
	}
}

// TestExpire sweeps sessions past their idle or absolute limit and keeps
// the live ones.
func TestExpire(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser(t, "huda@example.com", store.RoleEditor)
	old, _ := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", auth.Client{})
	b.clock.Add(90 * time.Minute)
	fresh, _ := b.svc.Login(b.ctx, "huda@example.com", "كلمة-سر-طويلة", auth.Client{})
	b.clock.Add(40 * time.Minute) // old: idle 2h10m; fresh: 40m
	n, err := b.svc.Expire(b.ctx)
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1", n, err)
	}
	if _, err := b.st.GetSession(b.ctx, old.Session.IDHash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("idle session kept: %v", err)
	}
	if _, _, err := b.svc.Session(b.ctx, fresh.SessionID); err != nil {
		t.Errorf("live session swept: %v", err)
	}
}

// TestInitAllocatesLittle: importing auth costs next to nothing at start.
// Every nashra command imports it; a password hash (19 MiB) made at init
// raised the peak memory of digest send by about 25 MB. The test binary
// runs itself with GODEBUG=inittrace=1 and reads what auth's init took.
func TestInitAllocatesLittle(t *testing.T) {
	if os.Getenv("NASHRA_AUTH_INITTRACE") == "1" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitAllocatesLittle$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "NASHRA_AUTH_INITTRACE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	re := regexp.MustCompile(`(?m)^init github\.com/nashra/nashra/internal/auth @.*, (\d+) bytes,`)
	m := re.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no inittrace line for internal/auth in:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	if n > 1<<20 {
		t.Errorf("internal/auth's init allocated %d bytes, want under 1 MiB", n)
	}
}
