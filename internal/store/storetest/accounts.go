package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func testUsers(ctx context.Context, t *testing.T, s store.Store) {
	u := &store.User{Email: " Huda@Example.COM ", Name: "هدى", Role: store.RoleEditor, PasswordHash: "$argon2id$x"}
	must(t, "CreateUser", s.CreateUser(ctx, u))
	if u.ID == 0 || u.Email != "huda@example.com" || u.CreatedAt.IsZero() {
		t.Fatalf("CreateUser left %+v", u)
	}
	dup := &store.User{Email: "HUDA@example.com", Role: store.RoleViewer, PasswordHash: "h"}
	wantErr(t, "CreateUser same email", s.CreateUser(ctx, dup), store.ErrConflict)
	wantErr(t, "CreateUser bad role", s.CreateUser(ctx, &store.User{Email: "a@example.com", Role: "root", PasswordHash: "h"}), store.ErrInvalid)
	wantErr(t, "CreateUser no hash", s.CreateUser(ctx, &store.User{Email: "a@example.com", Role: store.RoleAdmin}), store.ErrInvalid)
	wantErr(t, "CreateUser bad email", s.CreateUser(ctx, &store.User{Email: "not-an-address", Role: store.RoleAdmin, PasswordHash: "h"}), store.ErrInvalidEmail)

	got, err := s.UserByEmail(ctx, "huda@EXAMPLE.com")
	must(t, "UserByEmail", err)
	if got.ID != u.ID || got.Name != "هدى" || got.Role != store.RoleEditor || got.PasswordHash != "$argon2id$x" ||
		got.TOTPSecret != "" || got.RecoveryCodes != nil || !got.LastLoginAt.IsZero() || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("UserByEmail = %+v, want %+v", got, u)
	}
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantErr(t, "UserByEmail unknown", err, store.ErrNotFound)
	_, err = s.GetUser(ctx, u.ID+100)
	wantErr(t, "GetUser unknown", err, store.ErrNotFound)

	login := time.Date(2026, 3, 1, 8, 30, 0, 123456789, time.UTC)
	got.Role, got.TOTPSecret, got.RecoveryCodes, got.LastLoginAt = store.RoleAdmin, "JBSWY3DPEHPK3PXP", []string{"h1", "h2"}, login
	got.PasswordHash, got.Name = "$argon2id$y", "هدى علي"
	must(t, "UpdateUser", s.UpdateUser(ctx, got))
	again, err := s.GetUser(ctx, u.ID)
	must(t, "GetUser", err)
	if again.Role != store.RoleAdmin || again.TOTPSecret != "JBSWY3DPEHPK3PXP" || fmt.Sprint(again.RecoveryCodes) != "[h1 h2]" ||
		!again.LastLoginAt.Equal(login) || again.PasswordHash != "$argon2id$y" || again.Name != "هدى علي" {
		t.Errorf("after UpdateUser: %+v", again)
	}
	wantErr(t, "UpdateUser unknown", s.UpdateUser(ctx, &store.User{ID: u.ID + 100, Role: store.RoleViewer, PasswordHash: "h"}), store.ErrNotFound)

	v := &store.User{Email: "viewer@example.com", Role: store.RoleViewer, PasswordHash: "h"}
	must(t, "CreateUser viewer", s.CreateUser(ctx, v))
	all, err := s.ListUsers(ctx)
	must(t, "ListUsers", err)
	if len(all) != 2 || all[0].Email != "huda@example.com" || all[1].Email != "viewer@example.com" {
		t.Errorf("ListUsers = %+v", all)
	}
	for r, want := range map[store.Role]int{"": 2, store.RoleAdmin: 1, store.RoleViewer: 1, store.RoleEditor: 0} {
		n, err := s.CountUsers(ctx, r)
		must(t, "CountUsers", err)
		if n != want {
			t.Errorf("CountUsers(%q) = %d, want %d", r, n, want)
		}
	}

	// Deleting a user takes their tokens and sessions with them.
	must(t, "CreateToken", s.CreateToken(ctx, &store.Token{Name: "ci", UserID: v.ID, Hash: "aa"}))
	must(t, "CreateSession", s.CreateSession(ctx, &store.Session{IDHash: "s1", UserID: v.ID, CSRF: "c"}))
	must(t, "DeleteUser", s.DeleteUser(ctx, v.ID))
	wantErr(t, "DeleteUser again", s.DeleteUser(ctx, v.ID), store.ErrNotFound)
	_, err = s.TokenByHash(ctx, "aa")
	wantErr(t, "token of a deleted user", err, store.ErrNotFound)
	_, err = s.GetSession(ctx, "s1")
	wantErr(t, "session of a deleted user", err, store.ErrNotFound)
}

func testTokens(ctx context.Context, t *testing.T, s store.Store) {
	u := &store.User{Email: "admin@example.com", Role: store.RoleAdmin, PasswordHash: "h"}
	must(t, "CreateUser", s.CreateUser(ctx, u))
	tok := &store.Token{Name: "نشر-آلي", UserID: u.ID, Hash: "0123abcd"}
	must(t, "CreateToken", s.CreateToken(ctx, tok))
	if tok.ID == 0 || tok.CreatedAt.IsZero() {
		t.Fatalf("CreateToken left %+v", tok)
	}
	wantErr(t, "same name", s.CreateToken(ctx, &store.Token{Name: "نشر-آلي", UserID: u.ID, Hash: "other"}), store.ErrConflict)
	wantErr(t, "same hash", s.CreateToken(ctx, &store.Token{Name: "second", UserID: u.ID, Hash: "0123abcd"}), store.ErrConflict)
	wantErr(t, "unknown user", s.CreateToken(ctx, &store.Token{Name: "third", UserID: u.ID + 50, Hash: "x"}), store.ErrNotFound)
	wantErr(t, "no hash", s.CreateToken(ctx, &store.Token{Name: "fourth", UserID: u.ID}), store.ErrInvalid)

	got, err := s.TokenByHash(ctx, "0123abcd")
	must(t, "TokenByHash", err)
	if got.ID != tok.ID || got.Name != "نشر-آلي" || got.UserEmail != "admin@example.com" || !got.LastUsedAt.IsZero() {
		t.Errorf("TokenByHash = %+v", got)
	}
	used := time.Date(2026, 4, 2, 1, 2, 3, 4, time.UTC)
	must(t, "TouchToken", s.TouchToken(ctx, tok.ID, used))
	wantErr(t, "TouchToken unknown", s.TouchToken(ctx, tok.ID+9, used), store.ErrNotFound)
	must(t, "CreateToken b", s.CreateToken(ctx, &store.Token{Name: "b-token", UserID: u.ID, Hash: "ff"}))
	list, err := s.ListTokens(ctx)
	must(t, "ListTokens", err)
	if len(list) != 2 || list[0].Name != "b-token" || list[1].Name != "نشر-آلي" || !list[1].LastUsedAt.Equal(used) {
		t.Errorf("ListTokens = %+v", list)
	}
	must(t, "RevokeToken", s.RevokeToken(ctx, "نشر-آلي"))
	wantErr(t, "RevokeToken again", s.RevokeToken(ctx, "نشر-آلي"), store.ErrNotFound)
	_, err = s.TokenByHash(ctx, "0123abcd")
	wantErr(t, "revoked token", err, store.ErrNotFound)
}

func testSessions(ctx context.Context, t *testing.T, s store.Store) {
	u := &store.User{Email: "ed@example.com", Role: store.RoleEditor, PasswordHash: "h"}
	must(t, "CreateUser", s.CreateUser(ctx, u))
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	x := &store.Session{IDHash: "h1", UserID: u.ID, CSRF: "csrf1", Pending: true, CreatedAt: t0, Addr: "192.0.2.7", UserAgent: "Firefox"}
	must(t, "CreateSession", s.CreateSession(ctx, x))
	wantErr(t, "CreateSession same id", s.CreateSession(ctx, &store.Session{IDHash: "h1", UserID: u.ID, CSRF: "c"}), store.ErrConflict)
	wantErr(t, "CreateSession unknown user", s.CreateSession(ctx, &store.Session{IDHash: "h9", UserID: u.ID + 7, CSRF: "c"}), store.ErrNotFound)
	wantErr(t, "CreateSession no csrf", s.CreateSession(ctx, &store.Session{IDHash: "h8", UserID: u.ID}), store.ErrInvalid)
	got, err := s.GetSession(ctx, "h1")
	must(t, "GetSession", err)
	if got.UserID != u.ID || got.CSRF != "csrf1" || !got.Pending || !got.CreatedAt.Equal(t0) || !got.LastSeen.Equal(t0) ||
		got.Addr != "192.0.2.7" || got.UserAgent != "Firefox" {
		t.Errorf("GetSession = %+v", got)
	}
	must(t, "TouchSession", s.TouchSession(ctx, "h1", t0.Add(time.Hour)))
	must(t, "TouchSession back in time", s.TouchSession(ctx, "h1", t0.Add(time.Minute)))
	got, _ = s.GetSession(ctx, "h1")
	if !got.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("LastSeen = %v, want %v (never moves back)", got.LastSeen, t0.Add(time.Hour))
	}
	wantErr(t, "TouchSession unknown", s.TouchSession(ctx, "nope", t0), store.ErrNotFound)

	must(t, "CreateSession 2", s.CreateSession(ctx, &store.Session{IDHash: "h2", UserID: u.ID, CSRF: "c", CreatedAt: t0.Add(-48 * time.Hour)}))
	must(t, "CreateSession 3", s.CreateSession(ctx, &store.Session{IDHash: "h3", UserID: u.ID, CSRF: "c", CreatedAt: t0.Add(2 * time.Hour)}))
	// h2 is too old by creation; h1 was last seen at t0+1h, before the idle bound.
	n, err := s.DeleteSessionsBefore(ctx, t0.Add(-24*time.Hour), t0.Add(90*time.Minute))
	must(t, "DeleteSessionsBefore", err)
	if n != 2 {
		t.Errorf("DeleteSessionsBefore removed %d, want 2", n)
	}
	if _, err := s.GetSession(ctx, "h3"); err != nil {
		t.Errorf("h3 should remain: %v", err)
	}
	must(t, "CreateSession 4", s.CreateSession(ctx, &store.Session{IDHash: "h4", UserID: u.ID, CSRF: "c"}))
	n, err = s.DeleteUserSessions(ctx, u.ID)
	must(t, "DeleteUserSessions", err)
	if n != 2 {
		t.Errorf("DeleteUserSessions removed %d, want 2", n)
	}
	wantErr(t, "DeleteSession gone", s.DeleteSession(ctx, "h3"), store.ErrNotFound)
	must(t, "CreateSession 5", s.CreateSession(ctx, &store.Session{IDHash: "h5", UserID: u.ID, CSRF: "c"}))
	must(t, "DeleteSession", s.DeleteSession(ctx, "h5"))
	_, err = s.GetSession(ctx, "h5")
	wantErr(t, "GetSession after delete", err, store.ErrNotFound)
}

func testAudit(ctx context.Context, t *testing.T, s store.Store) {
	t0 := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	entries := []store.AuditEntry{
		{At: t0, Actor: "huda@example.com", Action: "login", Addr: "192.0.2.1"},
		{At: t0.Add(time.Minute), Actor: "anonymous", Action: "login.failed", Target: "huda@example.com", Addr: "192.0.2.9"},
		{At: t0.Add(2 * time.Minute), Actor: "anonymous", Action: "login.failed", Target: "huda@example.com", Addr: "192.0.2.9"},
		{At: t0.Add(3 * time.Minute), Actor: "huda@example.com", Action: "edition.approve", Target: "2026-06-01", Detail: "نشرة الصباح", Addr: "192.0.2.1"},
		{At: t0.Add(4 * time.Minute), Actor: "cli", Action: "user.add", Target: "new@example.com"},
	}
	for _, e := range entries {
		must(t, "Audit", s.Audit(ctx, e))
	}
	wantErr(t, "Audit without action", s.Audit(ctx, store.AuditEntry{Actor: "x"}), store.ErrInvalid)
	wantErr(t, "Audit without actor", s.Audit(ctx, store.AuditEntry{Action: "x"}), store.ErrInvalid)

	all, err := s.ListAudit(ctx, store.AuditQuery{})
	must(t, "ListAudit", err)
	if len(all) != 5 || all[0].Action != "user.add" || all[4].Action != "login" {
		t.Fatalf("ListAudit = %+v, want 5 entries newest first", all)
	}
	if e := all[1]; e.Actor != "huda@example.com" || e.Target != "2026-06-01" || e.Detail != "نشرة الصباح" ||
		e.Addr != "192.0.2.1" || !e.At.Equal(t0.Add(3*time.Minute)) || e.ID == 0 {
		t.Errorf("entry = %+v", e)
	}
	// Paging backwards by ID.
	page1, err := s.ListAudit(ctx, store.AuditQuery{Limit: 2})
	must(t, "ListAudit page 1", err)
	page2, err := s.ListAudit(ctx, store.AuditQuery{Limit: 2, BeforeID: page1[1].ID})
	must(t, "ListAudit page 2", err)
	if len(page1) != 2 || len(page2) != 2 || page2[0].ID != all[2].ID || page2[1].ID != all[3].ID {
		t.Errorf("pages %+v / %+v", page1, page2)
	}
	since, err := s.ListAudit(ctx, store.AuditQuery{Since: t0.Add(2 * time.Minute)})
	must(t, "ListAudit since", err)
	if len(since) != 3 {
		t.Errorf("ListAudit since t0+2m: %d entries, want 3", len(since))
	}
	failed := store.AuditQuery{Action: "login.failed", Target: "huda@example.com", Since: t0}
	n, err := s.CountAudit(ctx, failed)
	must(t, "CountAudit", err)
	if n != 2 {
		t.Errorf("CountAudit failed logins = %d, want 2", n)
	}
	n, err = s.CountAudit(ctx, store.AuditQuery{Action: "login.failed", Addr: "192.0.2.9", Since: t0.Add(90 * time.Second)})
	must(t, "CountAudit by addr", err)
	if n != 1 {
		t.Errorf("CountAudit by addr since = %d, want 1", n)
	}
	byActor, err := s.ListAudit(ctx, store.AuditQuery{Actor: "cli"})
	must(t, "ListAudit by actor", err)
	if len(byActor) != 1 || byActor[0].Target != "new@example.com" || !byActor[0].At.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("by actor: %+v", byActor)
	}

	// A zero time is stamped by the store; concurrent writers lose nothing.
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := s.Audit(ctx, store.AuditEntry{Actor: "system", Action: "concurrent", Target: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.ListAudit(ctx, store.AuditQuery{Action: "concurrent"})
	must(t, "ListAudit concurrent", err)
	if len(got) != 10 || got[0].At.IsZero() {
		t.Errorf("concurrent audit: %d entries (first %+v)", len(got), got)
	}
}

func testErasure(ctx context.Context, t *testing.T, s store.Store) {
	sub := &store.Subscriber{Email: "leave@example.com", Name: "سامي", Status: store.StatusConfirmed}
	_, err := s.AddSubscriber(ctx, sub)
	must(t, "AddSubscriber", err)
	_, err = s.CreateEdition(ctx, &store.Edition{ID: "2026-06-01", Subject: "s", Body: []byte("{}")})
	must(t, "CreateEdition", err)
	_, err = s.EnqueueDeliveries(ctx, "2026-06-01", []store.Subscriber{*sub})
	must(t, "EnqueueDeliveries", err)

	erased, err := s.IsErased(ctx, "k1")
	must(t, "IsErased before", err)
	if erased {
		t.Fatal("IsErased before erasing = true")
	}
	must(t, "Audit", s.Audit(ctx, store.AuditEntry{Actor: "ed@example.com", Action: "subscriber.edit", Target: "Leave@example.com", Detail: "سامي → سامي علي"}))
	must(t, "Audit", s.Audit(ctx, store.AuditEntry{Actor: "ed@example.com", Action: "subscriber.edit", Target: "stay@example.com", Detail: "kept"}))
	wantErr(t, "EraseSubscriber without hash", s.EraseSubscriber(ctx, sub.ID, ""), store.ErrInvalid)
	must(t, "EraseSubscriber", s.EraseSubscriber(ctx, sub.ID, "k1"))
	_, err = s.GetSubscriber(ctx, sub.ID)
	wantErr(t, "GetSubscriber after erase", err, store.ErrNotFound)
	ds, err := s.ListDeliveries(ctx, "2026-06-01", "", 0)
	must(t, "ListDeliveries", err)
	if len(ds) != 0 {
		t.Errorf("deliveries after erase: %+v", ds)
	}
	if erased, _ := s.IsErased(ctx, "k1"); !erased {
		t.Error("IsErased after erasing = false")
	}
	log, err := s.ListAudit(ctx, store.AuditQuery{Action: "subscriber.edit"})
	must(t, "ListAudit", err)
	if len(log) != 2 || log[1].Target != fmt.Sprintf("subscriber %d (erased)", sub.ID) || log[1].Detail != "" ||
		log[0].Target != "stay@example.com" || log[0].Detail != "kept" {
		t.Errorf("audit after erase: %+v", log)
	}
	// An unknown subscriber records nothing.
	wantErr(t, "EraseSubscriber unknown", s.EraseSubscriber(ctx, sub.ID, "k2"), store.ErrNotFound)
	if erased, _ := s.IsErased(ctx, "k2"); erased {
		t.Error("a failed erase recorded its hash")
	}
	must(t, "Unerase", s.Unerase(ctx, "k1"))
	wantErr(t, "Unerase again", s.Unerase(ctx, "k1"), store.ErrNotFound)
}
