// Live progress of an edition: polls the progress.json named by
// #progress[data-progress] every two seconds while the edition is sending
// and updates the figures and the bar. The page works without it.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress");
  var names = {scheduled: "مجدول", held: "بانتظار الموافقة", approved: "موافَق عليه", sending: "يُرسل الآن",
    paused: "متوقف مؤقتًا", sent: "أُرسل", cancelled: "أُلغي"};
  function set(id, v) { var el = document.getElementById(id); if (el) { el.textContent = String(v); } }
  function tick() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (p) {
        var c = p.counts || {};
        var open = (c.queued || 0) + (c.sending || 0) + (c.retrying || 0);
        set("p-recipients", p.recipients);
        set("p-sent", c.sent || 0);
        set("p-failed", c.failed || 0);
        set("p-open", open);
        var pct = Math.floor(p.percent || 0);
        set("p-text", pct + "٪");
        var bar = document.getElementById("p-bar");
        if (bar) { bar.className = "w" + pct; }
        var st = document.getElementById("state");
        if (st && names[p.state]) { st.textContent = names[p.state]; st.className = "pill e-" + p.state; }
        if (p.state === "sending" || p.state === "approved") { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 10000); });
  }
  tick();
})();
