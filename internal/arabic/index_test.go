package arabic

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// smallArchive: two economy stories, two health stories, one sports story.
func smallArchive(t testing.TB) []Doc {
	return []Doc{
		{ID: "eco1", Category: "اقتصاد", Title: "البنك المركزي يرفع سعر الفائدة", Text: fixture(t, "economy.txt")},
		{ID: "eco2", Category: "اقتصاد", Title: "التضخم يتراجع بعد قرار الفائدة",
			Text: "تراجع التضخم للشهر الثاني بعد أن رفع البنك المركزي سعر الفائدة. وقال محللون إن أسعار الصرف استقرت وإن البورصة استعادت جزءاً من خسائرها. ويتوقع البنك أن يعود التضخم إلى مستواه المستهدف العام المقبل مع استمرار السياسة النقدية المتشددة."},
		{ID: "health1", Category: "صحة", Title: "حملة وطنية للتطعيم ضد الحصبة", Text: fixture(t, "health.txt")},
		{ID: "health2", Category: "صحة", Title: "ارتفاع الإصابات بالحصبة بين الأطفال",
			Text: "حذرت وزارة الصحة من ارتفاع الإصابات بالحصبة بين الأطفال غير المطعمين. ودعت الوزارة الأسر إلى التطعيم في المراكز الصحية، مؤكدة أن اللقاح آمن. وقالت منظمة الصحة العالمية إن تراجع التطعيم أثناء الجائحة سبب عودة المرض."},
		{ID: "sport1", Category: "رياضة", Title: "المنتخب يفوز في افتتاح البطولة",
			Text: "فاز المنتخب الوطني لكرة القدم على منافسه بهدفين دون رد في افتتاح البطولة. وسجل المهاجم الهدفين في الشوط الثاني، وأشاد المدرب بأداء اللاعبين والجمهور."},
	}
}

func ids(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestRelated(t *testing.T) {
	ix := NewIndex()
	for _, d := range smallArchive(t) {
		ix.Add(d)
	}
	if ix.Len() != 5 {
		t.Fatalf("Len = %d, want 5", ix.Len())
	}
	tests := []struct{ id, want string }{
		{"eco1", "eco2"}, {"eco2", "eco1"}, {"health1", "health2"}, {"health2", "health1"},
	}
	for _, tt := range tests {
		got := ix.Related(tt.id, 2)
		if len(got) == 0 || got[0].ID != tt.want {
			t.Errorf("Related(%s) = %v, want %s first", tt.id, got, tt.want)
		}
		for _, m := range got {
			if m.ID == tt.id {
				t.Errorf("Related(%s) contains itself", tt.id)
			}
			if m.Score <= 0 || m.Score > 1.0001 {
				t.Errorf("Related(%s): score %v out of (0,1]", tt.id, m.Score)
			}
		}
	}
	if got := ix.Related("missing", 3); got != nil {
		t.Errorf("Related(missing) = %v, want nil", got)
	}
	if got := ix.Related("eco1", 0); got != nil {
		t.Errorf("Related(k=0) = %v, want nil", got)
	}
}

func TestRelatedTextAndNearDuplicates(t *testing.T) {
	docs := smallArchive(t)
	ix := NewIndex()
	for _, d := range docs {
		ix.Add(d)
	}
	// The same story syndicated under another ID, with a new headline and
	// one sentence changed: a near-duplicate, not a related article.
	copyText := strings.Replace(docs[2].Text, "وتستمر الحملة أسبوعين", "وتستمر الحملة ثلاثة أسابيع", 1)
	ix.Add(Doc{ID: "health1-copy", Category: "صحة", Title: "انطلاق حملة التطعيم ضد الحصبة", Text: copyText})
	got := ids(ix.Related("health1", 3))
	for _, id := range got {
		if id == "health1-copy" {
			t.Errorf("Related(health1) = %v: the near-duplicate is listed", got)
		}
	}
	if len(got) == 0 || got[0] != "health2" {
		t.Errorf("Related(health1) = %v, want health2 first", got)
	}
	// From eco1, the two copies of the health story count once at most.
	n := 0
	for _, id := range ids(ix.Related("eco1", 4)) {
		if strings.HasPrefix(id, "health1") {
			n++
		}
	}
	if n > 1 {
		t.Errorf("both copies of health1 listed for eco1")
	}
	// A new article not in the index.
	rt := ids(ix.RelatedText(Doc{Title: "الفائدة والتضخم", Text: "قرار البنك المركزي رفع سعر الفائدة لمواجهة التضخم وأسعار الصرف."}, 2))
	if len(rt) == 0 || !strings.HasPrefix(rt[0], "eco") {
		t.Errorf("RelatedText(economy) = %v, want an economy story first", rt)
	}
	// RelatedText of an article already indexed leaves out its copy.
	for _, id := range ids(ix.RelatedText(docs[2], 3)) {
		if strings.HasPrefix(id, "health1") {
			t.Errorf("RelatedText(health1 text) lists %s, a near-duplicate", id)
		}
	}
}

// TestRelatedFloor: a story with no strong match gets no links rather than
// weak ones; MinScore 0 gives the plain ranking.
func TestRelatedFloor(t *testing.T) {
	docs := smallArchive(t)
	ix := NewIndex()
	o := DefaultIndexOptions
	o.MinScore = 0
	plain := NewIndexWith(o)
	for _, d := range docs {
		ix.Add(d)
		plain.Add(d)
	}
	if got := ix.Related("sport1", 3); len(got) != 0 {
		t.Errorf("Related(sport1) = %v, want no links (no other sports story)", got)
	}
	if got := plain.Related("sport1", 3); len(got) != 3 {
		t.Errorf("Related(sport1) with MinScore 0 = %v, want 3 links", got)
	}
	for _, id := range []string{"eco1", "eco2", "health1", "health2"} {
		for _, m := range ix.Related(id, 3) {
			if m.Score < DefaultMinScore {
				t.Errorf("Related(%s): %v under the floor %v", id, m, DefaultMinScore)
			}
		}
	}
}

// An update of a story under the same title, rewritten in part (too little
// shared text for a near-duplicate), is another version of it, not a
// related article; the same text under another title is related.
func TestRelatedLeavesOutVersions(t *testing.T) {
	docs := smallArchive(t)
	ix := NewIndex()
	for _, d := range docs {
		ix.Add(d)
	}
	update := Doc{ID: "eco2-update", Category: "اقتصاد", Title: "التضخم يتراجع بعد قرار الفائدة",
		Text: "تراجع التضخم للشهر الثاني بعد أن رفع البنك المركزي سعر الفائدة. ويتوقع البنك أن يعود التضخم إلى مستواه المستهدف خلال أشهر. وفي تحديث لاحق، أعلن الجهاز المركزي للإحصاء أرقاماً جديدة تؤكد أن التضخم السنوي هبط إلى أدنى مستوى له منذ عامين، بينما ارتفعت أسعار الغذاء قليلاً في المدن الكبرى."}
	ix.Add(update)
	for _, id := range []string{"eco2", "eco2-update"} {
		for _, m := range ix.Related(id, 3) {
			if m.ID == "eco2" || m.ID == "eco2-update" {
				t.Errorf("Related(%s) lists %s, another version of the same story", id, m.ID)
			}
		}
	}
	renamed := update
	renamed.ID, renamed.Title = "eco2-analysis", "ماذا تعني أرقام التضخم الجديدة للأسر"
	ix.Remove("eco2-update")
	ix.Add(renamed)
	if got := ids(ix.Related("eco2", 3)); !slices.Contains(got, "eco2-analysis") {
		t.Errorf("Related(eco2) = %v, want the analysis under another title listed", got)
	}
}

// Between two matches of close score, the one published no later than the
// query comes first, whichever of the two it is.
func TestRelatedPrefersEarlierCoverage(t *testing.T) {
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	q := Doc{ID: "q", Title: "البنك المركزي يرفع الفائدة", Published: base,
		Text: "رفع البنك المركزي سعر الفائدة نصف نقطة مئوية لمواجهة التضخم وحماية العملة. وتراجعت أسعار الصرف في البورصة بعد القرار."}
	a := Doc{ID: "a", Title: "قرار جديد للمركزي بشأن الفائدة",
		Text: "قرر المركزي زيادة الفائدة لكبح التضخم، وهبطت البورصة. ويرى خبراء أن العملة ستستفيد من القرار على المدى القصير."}
	b := Doc{ID: "b", Title: "الفائدة ترتفع والبورصة تهبط",
		Text: "هبطت البورصة بعد أن زاد البنك الفائدة في محاولة لكبح التضخم. ويقول مستثمرون إن أسعار الصرف قد تتحسن قريباً."}
	others := smallArchive(t)[2:]
	for _, earlier := range []string{"a", "b"} {
		ix := NewIndex()
		for _, d := range others {
			ix.Add(d)
		}
		for _, d := range []Doc{a, b} {
			d.Published = base.Add(24 * time.Hour)
			if d.ID == earlier {
				d.Published = base.Add(-24 * time.Hour)
			}
			ix.Add(d)
		}
		ix.Add(q)
		got := ix.Related("q", 2)
		if len(got) < 2 || got[0].ID != earlier {
			t.Errorf("%s published earlier: Related(q) = %v, want %s first", earlier, got, earlier)
		}
	}
}

func TestIndexReplaceAndRemove(t *testing.T) {
	ix := NewIndex()
	for _, d := range smallArchive(t) {
		ix.Add(d)
	}
	// Re-adding with the same ID replaces the article: sport1 becomes a
	// health story.
	ix.Add(Doc{ID: "sport1", Category: "صحة", Title: "الحصبة تعود", Text: "عادت الحصبة إلى الانتشار بين الأطفال بسبب تراجع التطعيم، وتدعو وزارة الصحة إلى اللقاح."})
	if ix.Len() != 5 {
		t.Fatalf("Len after replace = %d, want 5", ix.Len())
	}
	if got := ids(ix.Related("health2", 2)); !contains(got, "sport1") {
		t.Errorf("Related(health2) = %v, want the replaced sport1 among them", got)
	}
	ix.Remove("eco2")
	ix.Remove("eco2") // twice is harmless
	if ix.Len() != 4 {
		t.Fatalf("Len after remove = %d, want 4", ix.Len())
	}
	if got := ids(ix.Related("eco1", 4)); contains(got, "eco2") {
		t.Errorf("removed article still related: %v", got)
	}
	if ix.Related("eco2", 3) != nil {
		t.Errorf("Related of a removed article is not nil")
	}
}

func TestIndexRemoveCompacts(t *testing.T) {
	docs := syntheticArchive(400)
	ix := NewIndex()
	for _, d := range docs {
		ix.Add(d)
	}
	for _, d := range docs[:300] {
		ix.Remove(d.ID)
	}
	if ix.Len() != 100 {
		t.Fatalf("Len = %d, want 100", ix.Len())
	}
	for _, m := range ix.Related(docs[350].ID, 10) {
		var n int
		fmt.Sscanf(m.ID, "d%d", &n)
		if n < 300 {
			t.Errorf("removed article %s returned", m.ID)
		}
	}
	stale := 0
	for _, ps := range ix.postings {
		for _, p := range ps {
			if ix.docs[p.doc] == nil {
				stale++
			}
		}
	}
	if stale != ix.dead || stale > ix.liveTerms() {
		t.Errorf("%d stale postings (dead counter %d, live %d): not compacted", stale, ix.dead, ix.liveTerms())
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestIndexConcurrent adds, removes and queries at once (run with -race).
func TestIndexConcurrent(t *testing.T) {
	docs := syntheticArchive(300)
	ix := NewIndex()
	for _, d := range docs[:100] {
		ix.Add(d)
	}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for _, d := range docs[100:] {
			ix.Add(d)
		}
	}()
	go func() {
		defer wg.Done()
		for _, d := range docs[:50] {
			ix.Remove(d.ID)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			ix.Related(docs[50+i%250].ID, 3)
			ix.RelatedText(docs[i%300], 3)
		}
	}()
	wg.Wait()
	if ix.Len() != 250 {
		t.Fatalf("Len = %d, want 250", ix.Len())
	}
}

func TestPrefixForm(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"والمعلمين", "معلمين"}, // conjunction and article off, plural kept
		{"بالمدارس", "مدارس"},
		{"للطلاب", "طلاب"},
		{"فالحكومه", "حكومه"},
		{"وزير", "وزير"}, // root و kept
		{"ووزير", "وزير"},
		{"كتب", "كتب"},
		{"nashra", "nashra"},
	} {
		if got := prefixForm(c.in); got != c.want {
			t.Errorf("prefixForm(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
