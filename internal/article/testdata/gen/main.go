// Command gen writes the test fixtures that hold bytes an editor would
// mangle — the hostile files (BOM, CRLF, control characters, bidi
// overrides, script tags) and the Windows-1256 files — into
// the repository's testdata/articles-hostile folder, where every package's
// tests read them (the hand-written fixtures are in testdata/articles).
// Run it from internal/article: go generate.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

const bom = "\uFEFF"

// crlf turns the LF line ends of s into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// The hostile fixtures. \u202E RIGHT-TO-LEFT OVERRIDE, \u202D LTR
// OVERRIDE, \u202B RLE, \u2066 LRI, \u2069 PDI, \u202C PDF; \f form feed,
// \x00 NUL, \a BEL, \x1b ESC, \u0085 NEL and \u009b CSI are C0/C1 controls.
// "\u0627\u0654" is a decomposed أ that NFC must compose.
var hostileTxt = bom + crlf("سياسة\u202E\n"+
	"\n"+
	"عنوان\f خبر\u202E معكوس\a عن \u0627\u0654من الحدود <script>alert(1)</script>\n"+
	"\n"+
	"2026-11-26T07:30:00+03:00\n"+
	"\n"+
	"فقرة أولى فيها فاصل صفحة\f ومحرف فارغ\x00 ومحرف هروب\x1b[31m وتحكم C1\u009b ونص \u202Eمعكوس\u202C هنا. وجملة ثانية سليمة تماماً.\n"+
	"\n"+
	"عناوين\u2066 معزولة\u2069\n"+
	"\n"+
	"  • بند أول\u0085 مع سطر تالٍ.\n"+
	"  • بند ثانٍ <img src=x onerror=alert(1)> مع صورة خبيثة.\n"+
	"\n"+
	"الخلاصة\n"+
	"\n"+
	"خلاصة\u202B مضمنة\u202C تنتهي هنا.\n"+
	"\n"+
	"مقالات ذات صلة\n"+
	"\n"+
	"رابط لا يجب أن يظهر\n"+
	"\n"+
	"زر الذهاب إلى الأعلى\n")

var hostileMd = bom + crlf(`---
title: "عنوان مقال ماركداون`+"\u202E"+` خبيث`+"\a"+` <script>alert(1)</script>"
date: 2026-11-26T08:00:00+03:00
category: "اقتصاد`+"\u0085"+`"
tags: ["وسم`+"\u202D"+`", "<b>عريض</b>"]
author: "كاتب`+"\x1b"+` مجهول"
summary: "ملخص مع فاصل`+"\f"+` صفحة <img src=x onerror=alert(1)> وصورة"
image: "javascript:alert(1)"
---

فقرة أولى`+"\f"+` مع فاصل صفحة`+"\x00"+` وتحكم C1`+"\u009b"+` ونص `+"\u202E"+`معكوس`+"\u202C"+` في الوسط.

<script>alert("xss")</script>

<p onclick="steal()">نص <a href="javascript:alert(1)">رابط خبيث</a> و<a href="JaVaScRiPt:alert(2)">آخر</a> و<a href=" javascript:alert(5)">ثالث</a> و<a href="https://nashra.example/ok" onmouseover="x()" target="_blank">رابط سليم</a></p>

<img src="https://nashra.example/a.png" onerror="alert(1)" style="width:1px">
<img src="javascript:alert(1)">
<img src="data:image/png;base64,AAAA">

<iframe src="https://evil.example"></iframe>

<form action="https://evil.example"><input name="p"><button>أرسل</button></form>

<style>body{display:none}</style>

<p><a href="&#106;avascript:alert(3)">مرمّز</a> و<a href="vbscript:msgbox(1)">vb</a> و &#x202E;كيان&#12;تحكم</p>

<svg onload="alert(1)"><circle r="1"/></svg>

<div style="background:url(javascript:alert(1))">نمط مضمن</div>

[رابط ماركداون](javascript:alert(4)) و[سليم](https://nashra.example/good "عنوان").

<object data="x.swf"></object><embed src="x.swf"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">
`)

var hostileHTML = bom + crlf(`<!DOCTYPE html>
<html lang="ar">
<head>
<meta charset="utf-8">
<title>صفحة خبيثة</title>
<meta property="og:title" content="عنوان`+"\u202E"+` صفحة`+"\f"+` خبيثة">
<meta property="og:description" content="وصف &lt;script&gt;alert(1)&lt;/script&gt; فيه`+"\u2066"+` عزل">
<meta property="og:image" content="javascript:alert(1)">
<meta property="article:published_time" content="2026-11-27T21:00:00+03:00">
<meta property="article:section" content="رياضة">
<link rel="canonical" href="javascript:alert(1)">
<script>document.cookie</script>
</head>
<body onload="alert(1)">
<article>
<p>مباراة مثيرة انتهت بفوز الفريق المضيف بثلاثة أهداف مقابل هدفين، في لقاء شهد تقلبات كثيرة حتى الدقائق الأخيرة أمام جمهور غفير ملأ المدرجات عن آخرها.`+"\x0b"+`</p>
<script>alert("in body")</script>
<p onmouseover="alert(1)">وقال مدرب الفريق إن لاعبيه أظهروا روحاً قتالية عالية، وإن الفوز يمنحهم دفعة معنوية قبل المباريات الحاسمة المقبلة`+"\u202E"+` في الدوري. <a href="javascript:void(0)">اضغط هنا</a> <img src="https://nashra.example/x.png" onerror="alert(1)"></p>
<p>وتقدم الفريق بهذا الفوز إلى المركز الثالث في جدول الترتيب، بفارق نقطتين عن المتصدر، فيما تراجع الفريق الضيف إلى المركز السابع بعد خسارته الثالثة على التوالي.</p>
<iframe src="https://evil.example/frame"></iframe>
<form><input type="password"></form>
</article>
</body>
</html>
`)

var hostileJSON = bom + crlf(`[
  {
    "title": "عنوان\u202e جيسون\f <script>alert(1)</script>",
    "url": "https://nashra.example/hostile/json-1",
    "published": "2026-11-25T06:00:00+03:00",
    "category": "تقنية\u0085",
    "tags": ["وسم\u2067", "آخر"],
    "author": "كاتب\u0007",
    "summary": "ملخص <b>غامق</b>\u202d مع تحكم\u0000",
    "content_html": "<p onclick=\"x()\">محتوى\f فيه <script>alert(1)</script> و<a href=\"javascript:alert(1)\">رابط</a> و\u202eانعكاس.</p><img src=\"https://nashra.example/i.png\" onerror=\"alert(2)\">",
    "image": "javascript:alert(1)"
  },
  {
    "title": "نص عادي مع وسم",
    "url": "javascript:alert(1)",
    "published": "2026-11-25T07:00:00+03:00",
    "category": "تقنية",
    "content_text": "سطر أول فيه <script>alert(1)</script> نص.\nسطر ثانٍ\u202e معكوس\f وفاصل."
  }
]
`)

// The Windows-1256 fixtures, written as UTF-8 here and encoded below.
var cp1256Txt = crlf(`اقتصاد

ميزانية تونس للعام المقبل تركز على الاستثمار

2026-11-24T12:00:00+03:00

قدمت الحكومة التونسية مشروع ميزانية العام المقبل إلى البرلمان، متضمناً زيادة في نفقات الاستثمار العمومي بنسبة خمسة عشر في المئة. ويتوقع المشروع نمواً اقتصادياً يبلغ ثلاثة في المئة.

أبرز الأرقام

  • عجز متوقع في حدود خمسة في المئة من الناتج المحلي.
  • تخصيص مليار دينار لمشاريع البنية التحتية.

الخلاصة

ميزانية توسعية تراهن على الاستثمار العمومي لدفع النمو.
`)

var cp1256HTML = `<html lang="ar"><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">
<title>الجزائر تطلق قمراً صناعياً جديداً</title>
<meta property="og:title" content="الجزائر تطلق قمراً صناعياً جديداً للاتصالات">
<meta property="article:published_time" content="2026-11-26T16:20:00+03:00">
<meta property="article:section" content="تقنية">
</head><body><article>
<p>أطلقت الجزائر اليوم قمراً صناعياً جديداً للاتصالات من قاعدة إطلاق في الصين، في خطوة تهدف إلى تحسين تغطية الإنترنت في المناطق الصحراوية النائية وتعزيز الخدمات الرقمية في البلاد.</p>
<p>وقالت وكالة الفضاء الجزائرية إن القمر سيدخل الخدمة الفعلية خلال ثلاثة أشهر بعد استكمال الاختبارات المدارية، وإنه صمم بالتعاون مع مهندسين جزائريين تلقوا تدريبهم في الخارج.</p>
</article></body></html>
`

func enc1256(s string) []byte {
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("gen: cannot encode as Windows-1256: %v", err))
	}
	return b
}

func write(dir, name string, data []byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		panic(err)
	}
}

func main() {
	hostile := map[string][]byte{
		"hostile-scraped.txt":   []byte(hostileTxt),
		"hostile-front.md":      []byte(hostileMd),
		"hostile-page.html":     []byte(hostileHTML),
		"hostile-feed.json":     []byte(hostileJSON),
		"cp1256-budget.txt":     enc1256(cp1256Txt),
		"cp1256-satellite.html": enc1256(cp1256HTML),
	}
	for name, data := range hostile {
		if strings.HasPrefix(name, "cp1256") && bytes.HasPrefix(data, []byte(bom)) {
			panic("gen: BOM in a Windows-1256 file")
		}
		write("../../testdata/articles-hostile", name, data)
	}
}
