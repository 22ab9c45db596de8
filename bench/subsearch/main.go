// Command subsearch measures the console's subscriber search
// (store.SearchSubscribers, one page of 51) on a list of -n subscribers
// on SQLite and PostgreSQL, beside the plain keyset page of
// ListSubscribers on the same store as the baseline, and prints p50 and
// p95 per kind of search and the ratios to the baseline and to the
// 200 ms goal. The list is written once per backend (a SQLite file under
// -dir, a PostgreSQL schema) and reused by later runs of the same -n.
//
//	go run ./bench/subsearch -n 1000000 -queries 100
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/store/sqlite"
)

var (
	n       = flag.Int("n", 1_000_000, "subscribers in the list")
	queries = flag.Int("queries", 100, "searches of each kind")
	dir     = flag.String("dir", filepath.Join(os.TempDir(), "nashra-subsearch"), "folder of the SQLite file")
	pgURL   = flag.String("pg", os.Getenv("NASHRA_TEST_POSTGRES_URL"), "PostgreSQL URL (empty: SQLite only)")
	only    = flag.String("only", "", "sqlite or postgres (default both)")
)

var first = []string{"نورة", "فيصل", "ليلى", "سامي", "هدى", "خالد", "ريم", "عمر", "سارة", "يوسف", "منى", "طارق", "دانة", "ماجد", "جود", "بدر", "لمى", "راشد", "أمل", "زياد"}
var last = []string{"العتيبي", "الحربي", "منصور", "الخطيب", "القحطاني", "حداد", "الزهراني", "يوسف", "الشمري", "الدوسري", "المطيري", "الغامدي", "السبيعي", "العنزي", "الشهري", "البلوشي", "الكعبي", "النعيمي", "الهاشمي", "الرفاعي"}
var cats = []string{"اقتصاد", "رياضة", "ثقافة", "سياسة", "تقنية"}

var latinFirst = []string{"noura", "faisal", "layla", "sami", "huda", "khalid", "reem", "omar", "sara", "yousef", "mona", "tariq", "dana", "majed", "joud", "badr", "lama", "rashed", "amal", "ziad"}
var latinLast = []string{"alotaibi", "alharbi", "mansour", "khatib", "qahtani", "haddad", "zahrani", "yousef", "shammari", "dosari", "mutairi", "ghamdi", "subaie", "anazi", "shahri", "balushi", "kaabi", "nuaimi", "hashimi", "rifai"}
var domains = []string{"gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com", "live.com", "outlook.sa", "mail.com", "alriyadh.example", "newsroom.example"}

// email is subscriber j's address: a person's name in Latin letters, a
// separator, sometimes a number, and j in base 36 to keep it unique, at
// a common provider, as real lists look (not one shared prefix).
func email(j int) string {
	r := rand.New(rand.NewPCG(uint64(j), 7))
	local := latinFirst[r.IntN(len(latinFirst))] + []string{".", "_", "", "-"}[r.IntN(4)] + latinLast[r.IntN(len(latinLast))]
	if r.IntN(3) > 0 {
		local += fmt.Sprint(r.IntN(2000))
	}
	return local + "." + strconv.FormatInt(int64(j), 36) + "@" + domains[r.IntN(len(domains))]
}

func main() {
	flag.Parse()
	ctx := context.Background()
	if *only != "postgres" {
		st, err := sqlite.Open(ctx, filepath.Join(*dir, fmt.Sprintf("subs-v2-%d.db", *n)))
		check(err)
		run(ctx, "SQLite", st)
		st.Close()
	}
	if *only != "sqlite" && *pgURL != "" {
		schema := fmt.Sprintf("nashra_subsearch_v2_%d", *n)
		raw, err := sql.Open(postgres.DriverName, *pgURL)
		check(err)
		_, err = raw.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema)
		check(err)
		raw.Close()
		sep := "?"
		if strings.Contains(*pgURL, "?") {
			sep = "&"
		}
		st, err := postgres.Open(ctx, *pgURL+sep+"search_path="+schema)
		check(err)
		run(ctx, "PostgreSQL", st)
		st.Close()
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// fill writes the list when the store holds fewer than n subscribers.
func fill(ctx context.Context, st store.Store) {
	check(st.Migrate(ctx))
	have, err := st.CountSubscribers(ctx, "")
	check(err)
	if have >= *n {
		return
	}
	start := time.Now()
	db := st.DB()
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UnixNano()
	const batch = 500
	statuses := []string{"confirmed", "confirmed", "confirmed", "confirmed", "pending", "unsubscribed", "bounced"}
	for i := have; i < *n; i += batch {
		var b strings.Builder
		b.WriteString("INSERT INTO subscribers (email, name, status, source, bounces, paused, created_at, updated_at) VALUES ")
		var sb strings.Builder // their subscriptions to the default newsletter
		sb.WriteString(`INSERT INTO subscriptions (subscriber_id, newsletter, status, categories, created_at, updated_at)
SELECT s.id, n.slug, 'subscribed', v.column2, s.created_at, s.created_at
FROM (VALUES `)
		args := make([]any, 0, batch*5)
		var sargs []any
		for j := i; j < min(i+batch, *n); j++ {
			if j > i {
				b.WriteByte(',')
				sb.WriteByte(',')
			}
			k := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, 'import', 0, false, $%d, $%d)", k+1, k+2, k+3, k+4, k+5)
			fmt.Fprintf(&sb, "($%d, $%d)", len(sargs)+1, len(sargs)+2)
			var cs []string
			for _, c := range cats {
				if rng.IntN(3) == 0 {
					cs = append(cs, `"`+c+`"`)
				}
			}
			created := now - int64(*n-j)*int64(time.Minute)
			args = append(args, email(j),
				first[rng.IntN(len(first))]+" "+last[rng.IntN(len(last))], statuses[rng.IntN(len(statuses))],
				created, created)
			sargs = append(sargs, email(j), "["+strings.Join(cs, ",")+"]")
		}
		_, err := db.ExecContext(ctx, b.String(), args...)
		check(err)
		sb.WriteString(") AS v JOIN subscribers AS s ON s.email = v.column1 JOIN newsletters AS n ON n.is_default = true")
		_, err = db.ExecContext(ctx, sb.String(), sargs...)
		check(err)
	}
	_, _ = db.ExecContext(ctx, "ANALYZE")
	fmt.Printf("  wrote %d subscribers in %s\n", *n-have, time.Since(start).Round(time.Second))
}

type kind struct {
	name string
	q    func(r *rand.Rand) store.SubscriberSearch
}

func run(ctx context.Context, backend string, st store.Store) {
	fmt.Printf("%s, %d subscribers:\n", backend, *n)
	fill(ctx, st)
	top, err := st.SearchSubscribers(ctx, store.SubscriberSearch{Limit: 1})
	check(err)
	maxID := top[0].ID
	kinds := []kind{
		{"first page, no filter", func(*rand.Rand) store.SubscriberSearch { return store.SubscriberSearch{} }},
		{"one address (rare text)", func(r *rand.Rand) store.SubscriberSearch {
			return store.SubscriberSearch{Text: email(r.IntN(*n))}
		}},
		{"part of an address (rare text)", func(r *rand.Rand) store.SubscriberSearch {
			e := email(r.IntN(*n))
			return store.SubscriberSearch{Text: e[strings.Index(e, ".")+1 : strings.Index(e, "@")]}
		}},
		{"a family name (common text)", func(r *rand.Rand) store.SubscriberSearch {
			return store.SubscriberSearch{Text: last[r.IntN(len(last))]}
		}},
		{"status + category", func(r *rand.Rand) store.SubscriberSearch {
			return store.SubscriberSearch{Status: store.StatusPending, Category: cats[r.IntN(len(cats))]}
		}},
		{"deep page (before a random id)", func(r *rand.Rand) store.SubscriberSearch {
			return store.SubscriberSearch{BeforeID: 1 + r.Int64N(maxID)}
		}},
		{"no match", func(r *rand.Rand) store.SubscriberSearch {
			return store.SubscriberSearch{Text: fmt.Sprintf("nobody%d", r.IntN(1000))}
		}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	// Baseline: ListSubscribers' keyset page from a random id.
	base := measure(func() {
		_, err := st.ListSubscribers(ctx, store.SubscriberQuery{AfterID: rng.Int64N(maxID), Limit: 51})
		check(err)
	})
	fmt.Printf("  %-34s p50 %8s  p95 %8s\n", "baseline: ListSubscribers page", base[0], base[1])
	worst := time.Duration(0)
	for _, k := range kinds {
		d := measure(func() {
			_, err := st.SearchSubscribers(ctx, withLimit(k.q(rng)))
			check(err)
		})
		worst = max(worst, d[1])
		fmt.Printf("  %-34s p50 %8s  p95 %8s  p95/baseline %7.1f  p95/200ms %.2f\n", k.name, d[0], d[1],
			float64(d[1])/float64(max(base[1], time.Microsecond)), float64(d[1])/float64(200*time.Millisecond))
	}
	verdict := "meets"
	if worst >= 200*time.Millisecond {
		verdict = "MISSES"
	}
	fmt.Printf("  worst p95 %s: %s the 200 ms goal\n", worst, verdict)
}

func withLimit(q store.SubscriberSearch) store.SubscriberSearch { q.Limit = 51; return q }

// measure runs f -queries times after two warm-up runs and returns p50 and p95.
func measure(f func()) [2]time.Duration {
	f()
	f()
	ds := make([]time.Duration, *queries)
	for i := range ds {
		t := time.Now()
		f()
		ds[i] = time.Since(t)
	}
	slices.Sort(ds)
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return [2]time.Duration{r(ds[len(ds)/2]), r(ds[len(ds)*95/100])}
}
