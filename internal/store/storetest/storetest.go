// Package storetest is the one test suite every store.Store backend must
// pass. A backend's own _test.go calls Run with a constructor that returns
// a fresh, empty and not yet migrated store; the suite migrates it itself
// so that migrations are tested too.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// NewStore returns a fresh, empty, unmigrated store that is closed when
// the test ends.
type NewStore func(t *testing.T) store.Store

// storeTest is one test of the suite; it owns the store it is given.
type storeTest struct {
	name string
	fn   func(ctx context.Context, t *testing.T, s store.Store)
}

// Run runs the whole suite. Its tests run in parallel, each on its own
// store, so newStore must be safe to call from several goroutines.
func Run(t *testing.T, newStore NewStore) {
	// These get a fresh store, migrated.
	tests := []storeTest{
		{"PingAndDB", testPingAndDB},
		{"Settings", testSettings},
		{"UpsertArticle", testUpsertArticle},
		{"ArticleRoundTrip", testArticleRoundTrip},
		{"ArticleErrors", testArticleErrors},
		{"ListArticles", testListArticles},
		{"ArticlesBetween", testArticlesBetween},
		{"Categories", testCategories},
		{"Related", testRelated},
		{"WithdrawArticle", testWithdrawArticle},
		{"AdminCategory", testAdminCategory},
		{"AddSubscriber", testAddSubscriber},
		{"AddSubscriberConcurrent", testAddSubscriberConcurrent},
		{"UpdateSubscriber", testUpdateSubscriber},
		{"RemoveAndDeleteSubscriber", testRemoveAndDeleteSubscriber},
		{"EmailCase", testEmailCase},
		{"ListSubscribers", testListSubscribers},
		{"RecordBounce", testRecordBounce},
		{"InsertNewSubscribers", testInsertNewSubscribers},
		{"Editions", testEditions},
		{"EnqueueDeliveries", testEnqueueDeliveries},
		{"DeliveryLifecycle", testDeliveryLifecycle},
		{"ClaimDeliveryConcurrent", testClaimDeliveryConcurrent},
		{"ClaimDeliveryLoad", testClaimDeliveryLoad},
		{"StaleSendingReclaimed", testStaleSending},
		{"DeliverySkipped", testDeliverySkipped},
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"Erasure", testErasure},
		{"ConsoleQueries", testConsoleQueries},
		{"Sources", testSources},
		{"EditionStates", testEditionStates},
		{"EditionFilledOnce", testEditionFilledOnce},
		{"CancelDeliveries", testCancelDeliveries},
		{"RecordResend", testRecordResend},
		{"PageDeliveries", testPageDeliveries},
		{"Limits", testLimits},
		{"PurgePending", testPurgePending},
		{"Subscriptions", testSubscriptions},
		{"NewsletterDeliveries", testNewsletterDeliveries},
		{"EditionsBySendTime", testEditionsBySendTime},
	}
	// These test the migrations themselves and get a fresh store that is
	// not migrated yet.
	migrationTests := []storeTest{
		{"Migrations", testMigrations},
		{"MergeCaseDuplicates", testMergeCaseDuplicates},
		{"EditionControlMigration", testEditionControlMigration},
		{"NewslettersMigration", testNewslettersMigration},
	}
	run := func(tt storeTest, migrate bool) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			t.Cleanup(cancel)
			s := newStore(t)
			if migrate {
				must(t, "Migrate", s.Migrate(ctx))
			}
			tt.fn(ctx, t, s)
		})
	}
	for _, tt := range tests {
		run(tt, true)
	}
	for _, tt := range migrationTests {
		run(tt, false)
	}
}

// MigrateAtOnce migrates stores, which share one database, all at once, as
// several "nashra migrate" processes would: every Migrate must succeed,
// leave nothing pending, and have applied each migration once.
func MigrateAtOnce(ctx context.Context, t *testing.T, stores ...store.Store) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	start := make(chan struct{})
	for i, s := range stores {
		wg.Go(func() { <-start; errs[i] = s.Migrate(ctx) })
	}
	close(start)
	wg.Wait()
	for i, s := range stores {
		must(t, fmt.Sprintf("Migrate %d of %d at once", i, len(stores)), errs[i])
		n, err := s.MigrationsPending(ctx)
		must(t, "MigrationsPending", err)
		if n != 0 {
			t.Errorf("store %d: MigrationsPending after Migrate = %d, want 0", i, n)
		}
	}
	var applied, versions int
	must(t, "count schema_migrations", stores[0].DB().QueryRowContext(ctx,
		"SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&applied, &versions))
	if applied != versions || applied < 1 {
		t.Errorf("schema_migrations holds %d rows for %d versions: a migration was applied twice", applied, versions)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testMigrations(ctx context.Context, t *testing.T, s store.Store) {
	n, err := s.MigrationsPending(ctx)
	must(t, "MigrationsPending before", err)
	if n < 1 {
		t.Fatalf("MigrationsPending on an empty database = %d, want ≥ 1", n)
	}
	// Two at once on the same pool, then a third afterwards.
	MigrateAtOnce(ctx, t, s, s)
	MigrateAtOnce(ctx, t, s)
	// The schema works after all that.
	if _, err := s.CountArticles(ctx); err != nil {
		t.Errorf("CountArticles after migrations: %v", err)
	}
}

func testPingAndDB(ctx context.Context, t *testing.T, s store.Store) {
	must(t, "Ping", s.Ping(ctx))
	if s.DB() == nil {
		t.Fatal("DB() is nil")
	}
	must(t, "DB().Ping", s.DB().PingContext(ctx))
}

func testSettings(ctx context.Context, t *testing.T, s store.Store) {
	_, err := s.GetSetting(ctx, "security.secret")
	wantErr(t, "GetSetting missing", err, store.ErrNotFound)

	got, err := s.PutSettingIfAbsent(ctx, "security.secret", "أول")
	must(t, "PutSettingIfAbsent", err)
	if got != "أول" {
		t.Errorf("first PutSettingIfAbsent = %q, want أول", got)
	}
	got, err = s.PutSettingIfAbsent(ctx, "security.secret", "second")
	must(t, "PutSettingIfAbsent again", err)
	if got != "أول" {
		t.Errorf("second PutSettingIfAbsent = %q, want the first value أول", got)
	}
	if v, err := s.GetSetting(ctx, "security.secret"); err != nil || v != "أول" {
		t.Errorf("GetSetting = %q, %v", v, err)
	}

	// Racing writers all see the one winner.
	const n = 8
	vals := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { vals[i], errs[i] = s.PutSettingIfAbsent(ctx, "race", fmt.Sprint("v", i)) })
	}
	wg.Wait()
	for i := range n {
		must(t, "racing PutSettingIfAbsent", errs[i])
		if vals[i] != vals[0] {
			t.Fatalf("racing writers saw %q and %q", vals[0], vals[i])
		}
	}
}
