package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// frame is what the console layout reads; Data is the page's own.
type frame struct {
	Title     string
	SiteTitle string
	User      *store.User
	RoleName  string
	IsAdmin   bool
	CanEdit   bool
	CSRF      string
	Nav       string
	Flash     string
	FlashErr  bool
	Loc       *time.Location
	Data      any
}

var roleNames = map[store.Role]string{store.RoleAdmin: "مدير", store.RoleEditor: "محرّر", store.RoleViewer: "مطّلع"}

// render writes a console page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, who *caller, status int, name string, f frame) {
	f.SiteTitle, f.Loc = c.o.SiteTitle, c.o.Location
	if who != nil && who.User != nil {
		f.User = who.User
		f.RoleName = roleNames[who.User.Role]
		f.IsAdmin = who.User.Role.AtLeast(store.RoleAdmin)
		f.CanEdit = who.User.Role.AtLeast(store.RoleEditor)
		if who.Session != nil {
			f.CSRF = who.Session.CSRF
		}
	}
	if f.Flash == "" {
		f.Flash, f.FlashErr = flashFrom(r)
	}
	b, err := c.o.Pages.Render(name, f)
	if err != nil {
		c.o.Log.Error("console render", "page", name, "err", err)
		http.Error(w, "خطأ داخلي", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fail shows an Arabic error page with status.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, who *caller, status int, msg string) {
	title := map[int]string{
		http.StatusUnauthorized: "لم تسجّل الدخول", http.StatusForbidden: "غير مسموح",
		http.StatusNotFound: "غير موجود", http.StatusBadRequest: "طلب غير صالح",
	}[status]
	if title == "" {
		title = "خطأ"
	}
	c.render(w, r, who, status, "error", frame{Title: title, Data: msg})
}

// internal logs err and shows a generic error page.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, who *caller, err error) {
	c.o.Log.Error("console", "path", r.URL.Path, "err", err)
	c.fail(w, r, who, http.StatusInternalServerError, "حدث خطأ داخلي؛ سُجّل في سجل الخادم.")
}

// found answers the error of looking something up, if there is one: 404
// with the Arabic message missing for store.ErrNotFound, 500 (logged) for
// anything else. It reports whether err was nil, the handler to go on;
// apiFound is the API's.
func (c *Console) found(w http.ResponseWriter, r *http.Request, who *caller, err error, missing string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		c.fail(w, r, who, http.StatusNotFound, missing)
	default:
		c.internal(w, r, who, err)
	}
	return false
}

// Flash messages travel in the redirect's query (?ok=… or ?err=…) as a
// code, never as text from the request, so a link cannot put words on
// the page.
var flashes = map[string]string{
	"saved":                "حُفظت التغييرات.",
	"unsubscribed":         "أُلغي الاشتراك.",
	"erased":               "مُحيت البيانات الشخصية؛ لم يبقَ إلا بصمة العنوان.",
	"resent":               "أُرسلت رسالة التأكيد من جديد.",
	"unpublished":          "سُحب المقال من النشر: خرج من الخلاصات والصفحات والإصدارات القادمة.",
	"published":            "أُعيد نشر المقال.",
	"deleted":              "حُذف المقال.",
	"user-added":           "أُضيف المستخدم.",
	"user-removed":         "حُذف المستخدم وجلساته ومفاتيحه.",
	"role":                 "تغيّر الدور.",
	"revoked":              "أُبطل المفتاح.",
	"last-admin":           "لا يمكن ذلك: لن يبقى أي مدير.",
	"weak":                 "كلمة المرور قصيرة: ١٠ أحرف على الأقل.",
	"exists":               "هذا الاسم أو العنوان مستعمل من قبل.",
	"invalid":              "بيانات غير صالحة.",
	"not-pending":          "لا ينتظر هذا المشترك تأكيدًا.",
	"no-newsletter":        "اختر نشرة واحدة على الأقل؛ ولإيقاف النشرات كلها استعمل زر إلغاء الاشتراك.",
	"edition-approve":      "أُقرّ الإصدار: يُرسل في موعده.",
	"edition-approve-late": "أُقرّ الإصدار، لكن موعده فات فلن يُرسل وحده: اضغط «أرسِل الآن» لإرساله.",
	"edition-send":         "بدأ إرسال الإصدار الآن؛ يصل كل قارئ مرة واحدة.",
	"edition-send-date":    "فات موعد هذا الإصدار بأكثر من يوم، وإرساله الآن يوصل أخبارًا قديمة؛ إن أردت ذلك فأكّده أدناه.",
	"edition-empty":        "لا مقالات جديدة في نافذة هذا الإصدار، فلا شيء يُرسل.",
	"edition-covered":      "إصدار أحدث أخذ مقالات هذا الإصدار، فلا يُرسل.",
	"edition-hold":         "عُلّق الإصدار حتى الموافقة.",
	"edition-pause":        "أُوقف الإرسال مؤقتًا.",
	"edition-resume":       "استؤنف الإرسال.",
	"edition-cancel":       "أُلغي الإصدار: لن يُرسل ما بقي منه.",
	"edition-state":        "لا يمكن ذلك في حالة الإصدار الحالية.",
	"tested":               "أُرسلت النسخة التجريبية.",
	"test-failed":          "تعذّر إرسال النسخة التجريبية؛ التفاصيل في سجل الخادم.",
	"resent-edition":       "أُعيد إرسال الإصدار إلى القارئ.",
	"resend-failed":        "تعذّرت إعادة الإرسال؛ التفاصيل في سجل الخادم.",
	"source-added":         "أُضيف المصدر؛ يُجلب في الدورة القادمة.",
	"source-updated":       "المصدر موجود من قبل؛ حُدّثت بياناته.",
	"source-url":           "عنوان المصدر غير صالح: يجب أن يبدأ بـ http:// أو https://",
	"source-removed":       "حُذف المصدر؛ بقيت مقالاته.",
	"source-fetched":       "جُلب المصدر.",
	"source-failed":        "تعذّر جلب المصدر؛ السبب في عمود آخر خطأ.",
	"source-busy":          "يُجلب هذا المصدر الآن؛ أعد المحاولة بعد قليل.",
}

func flashFrom(r *http.Request) (string, bool) {
	if r == nil {
		return "", false
	}
	q := r.URL.Query()
	if m, ok := flashes[q.Get("ok")]; ok {
		return m, false
	}
	if m, ok := flashes[q.Get("err")]; ok {
		return m, true
	}
	return "", false
}

// back redirects after a POST (303: the browser GETs the page).
func back(w http.ResponseWriter, r *http.Request, path, kind, code string) {
	if code != "" {
		path += "?" + kind + "=" + code
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}
