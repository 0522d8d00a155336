/*
 * The web console (docs/console.md): tracer, patrol and admin pages over
 * the collector's JSON API. The token lives in sessionStorage only and
 * goes in the Authorization header, never in a URL. Sealed fields are
 * opened here, in the browser, with the authority's key file and
 * libsodium.js: the server never sees the key. Charts are Chart.js.
 */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const all = (sel) => Array.from(document.querySelectorAll(sel));
  const TOKEN = "kiosk-console-token", LANG = "kiosk-console-lang", MSG = "kiosk-console-said";
  const PAGES = {
    tracer: ["trace"],
    patrol: ["report", "receipt"],
    admin: ["report", "receipt", "tokens", "devices", "audit"]
  };
  const REPORT_ROWS = 200;	/* rows drawn at first; "show all" for more */
  const TIMELINE_ROWS = 40;

  let lang = sessionStorage.getItem(LANG) === "en" ? "en" : "vi";
  let me = null;		/* {role, ward} */
  let trace = null;		/* the last answer, what was asked, what was opened */
  let report = null;
  let reportAll = false;
  const charts = [];
  window.consoleTimes = {};

  /* ---- words ---- */

  function w(key, vars) {
    let s = WORDS[lang][key];
    if (s === undefined) s = WORDS.vi[key];
    if (s === undefined) s = key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (vars[n] !== undefined ? String(vars[n]) : ""));
    return s;
  }

  function applyWords() {
    document.documentElement.lang = lang;
    all("[data-w]").forEach((e) => { e.textContent = w(e.dataset.w); });
    all("[data-wp]").forEach((e) => { e.placeholder = w(e.dataset.wp); e.setAttribute("aria-label", w(e.dataset.wp)); });
    $("lang").textContent = w("lang_button");
    $("lang").lang = lang === "vi" ? "en" : "vi";
    document.title = w("title");
    showWho();
  }

  /* ---- messages ---- */

  function say(text, kind) {
    const m = $("msg");
    m.textContent = text;
    m.className = kind || "info";
    m.hidden = !text;
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail || String(status));
      this.status = status;
      this.detail = detail;
    }
  }

  function errorText(e) {
    const key = e.status === 0 ? "err_net" :
      ({ 400: "err_400", 401: "err_401", 403: "err_403", 503: "err_503" })[e.status] || "err_other";
    return w(key) + (e.detail ? " " + w("server_said") + " " + e.detail : "");
  }

  function fail(e) {
    if (!(e instanceof ApiError)) {
      say(w("err_other") + " (" + e.message + ")", "error");
      return;
    }
    if (e.status === 401) {
      logout(errorText(e));
      return;
    }
    say(errorText(e), "error");
  }

  /* ---- the API ---- */

  async function api(path, opts) {
    opts = opts || {};
    const headers = { "Authorization": "Bearer " + sessionStorage.getItem(TOKEN) };
    if (opts.body) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(path, {
        method: opts.method || "GET", headers: headers, cache: "no-store",
        credentials: "omit", referrerPolicy: "no-referrer",
        body: opts.body ? JSON.stringify(opts.body) : undefined
      });
    } catch (e) {
      throw new ApiError(0, "");
    }
    if (opts.raw && r.ok) return r;
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok) throw new ApiError(r.status, j && j.error ? j.error : (j && j.result ? j.result : ""));
    if (j === null) throw new ApiError(r.status, "not JSON");
    return j;
  }

  function download(name, blob) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function busy(form, on) {
    all("#" + form.id + " button").forEach((b) => { b.disabled = on; });
  }

  /* ---- times ---- */

  /* Times as the collector gives them, in the ward's own zone (the
   * offset each ISO time carries), whatever the browser's zone is. */
  const pad = (n) => String(n).padStart(2, "0");
  let zoneMin = 420;		/* learnt from the answers; +07:00 at first */
  function zoneOf(iso) {
    const m = /([+-])(\d\d):(\d\d)$/.exec(iso || "");
    if (m) zoneMin = (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10));
    else if (/Z$/.test(iso || "")) zoneMin = 0;
  }
  function zoneText() {
    const a = Math.abs(zoneMin);
    return (zoneMin < 0 ? "-" : "+") + pad(Math.floor(a / 60)) + ":" + pad(a % 60);
  }
  function local(ms) { return new Date(ms + zoneMin * 60000).toISOString(); }
  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return local(d.getTime()).slice(0, 16).replace("T", " ");
  }
  function whenMs(ms) { return ms ? local(ms).slice(0, 16).replace("T", " ") : "—"; }
  function hhmm(ms) { return local(ms).slice(11, 16); }

  /* ---- sortable tables ---- */

  /* COLS: [{w: word key, v: row => sort value, s: row => text or Node}] */
  function table(el, cols, rows, limit) {
    el._t = { cols: cols, rows: rows, limit: limit, by: el._t ? el._t.by : -1, up: el._t ? el._t.up : true };
    drawTable(el);
  }

  function drawTable(el) {
    const t = el._t;
    const rows = t.rows.slice();
    if (t.by >= 0) {
      const f = t.cols[t.by].v;
      rows.sort((a, b) => {
        const x = f(a), y = f(b);
        const c = typeof x === "number" && typeof y === "number" ? x - y :
          String(x).localeCompare(String(y), lang);
        return t.up ? c : -c;
      });
    }
    el.textContent = "";
    const head = el.createTHead().insertRow();
    t.cols.forEach((c, i) => {
      const th = document.createElement("th");
      th.scope = "col";
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = w(c.w) + (t.by === i ? (t.up ? " ▲" : " ▼") : "");
      b.title = w("sort_hint");
      th.setAttribute("aria-sort", t.by === i ? (t.up ? "ascending" : "descending") : "none");
      b.addEventListener("click", () => {
        t.up = t.by === i ? !t.up : true;
        t.by = i;
        drawTable(el);
        el.querySelectorAll("th button")[i].focus();
      });
      th.appendChild(b);
      head.appendChild(th);
    });
    const body = el.createTBody();
    const n = t.limit ? Math.min(t.limit, rows.length) : rows.length;
    for (let r = 0; r < n; r++) {
      const tr = body.insertRow();
      if (rows[r]._class) tr.className = rows[r]._class;
      t.cols.forEach((c) => {
        const td = tr.insertCell();
        td.dataset.label = w(c.w);
        const s = c.s ? c.s(rows[r]) : c.v(rows[r]);
        if (s instanceof Node) td.appendChild(s); else td.textContent = s === null || s === undefined ? "" : s;
      });
    }
    if (rows.length === 0) {
      const td = body.insertRow().insertCell();
      td.colSpan = t.cols.length;
      td.textContent = w("empty");
    }
  }

  function button(text, fn, cls) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (cls) b.className = cls;
    b.addEventListener("click", fn);
    return b;
  }

  /* A button that asks once more before it acts (no blocking dialog). */
  function confirmButton(what, fn) {
    let armed = null;
    const b = button(w("revoke"), () => {
      if (!armed) {
        b.textContent = w("revoke_confirm", { what: what });
        b.classList.add("armed");
        armed = setTimeout(() => { armed = null; b.textContent = w("revoke"); b.classList.remove("armed"); }, 6000);
        return;
      }
      clearTimeout(armed);
      b.disabled = true;
      fn();
    }, "danger");
    return b;
  }

  function chart(canvas, config) {
    if (typeof Chart === "undefined") return null;
    const old = Chart.getChart(canvas);
    if (old) old.destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    const c = new Chart(canvas, config);
    charts.push(c);
    return c;
  }

  /* Run FN after the browser has painted what was just drawn. */
  function afterPaint(fn) {
    requestAnimationFrame(() => setTimeout(fn, 0));
  }

  /* ---- log-in and pages ---- */

  function showWho() {
    $("whoami").textContent = me ? w("role_" + me.role) + (me.ward ? " · " + me.ward : "") : "";
  }

  async function login(ev) {
    ev.preventDefault();
    const t = $("token").value.trim();
    if (!t) {
      say(w("login_empty"), "error");
      $("token").focus();
      return;
    }
    sessionStorage.setItem(TOKEN, t);
    $("token").value = "";
    await whoami();
  }

  async function whoami() {
    try {
      me = await api("/api/v1/whoami");
      zoneOf(me.now);
    } catch (e) {
      me = null;
      sessionStorage.removeItem(TOKEN);
      say(errorText(e), "error");
      route();
      return;
    }
    say("", "");
    all("#nav a").forEach((a) => { a.hidden = PAGES[me.role].indexOf(a.dataset.page) < 0; });
    $("nav").hidden = false;
    $("logout").hidden = false;
    if (me.ward) {
      $("r-ward").value = me.ward;
      $("r-ward").readOnly = me.role === "patrol";
    }
    showWho();
    const want = location.hash.slice(1);
    if (PAGES[me.role].indexOf(want) < 0) location.hash = "#" + PAGES[me.role][0];
    else route();
  }

  /* Log out: the token goes, and so does everything the pages hold (an
   * opened name must not outlive the person who opened it). The page is
   * loaded afresh; MESSAGE, if any, is shown on the log-in page. */
  function logout(message) {
    sessionStorage.removeItem(TOKEN);
    if (message) sessionStorage.setItem(MSG, message); else sessionStorage.removeItem(MSG);
    /* The reload drops all the page held; the forms are emptied first
     * so the browser has no case or reason to restore. */
    all("form").forEach((f) => f.reset());
    location.replace(location.pathname);
  }

  function route() {
    const page = location.hash.slice(1);
    if (!me) {
      all(".page").forEach((p) => { p.hidden = p.id !== "page-login"; });
      $("token").focus();
      return;
    }
    let show = page;
    if (PAGES[me.role].indexOf(page) < 0) {
      if (page) say(w("not_for_role"), "error");
      show = PAGES[me.role][0];
    }
    all(".page").forEach((p) => { p.hidden = p.id !== "page-" + show; });
    all("#nav a").forEach((a) => {
      if (a.dataset.page === show) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    if (show === "tokens") loadTokens();
    if (show === "devices") loadDevices();
    if (show === "audit" && !$("a-list")._t) loadAudit();
  }

  /* ---- tracer ---- */

  function traceQuery(format) {
    const q = new URLSearchParams();
    q.set("subject", $("t-case").value.trim());
    q.set("reason", $("t-reason").value.trim());
    q.set("depth", $("t-depth").value);
    q.set("min_overlap", $("t-min").value || "15");
    q.set("default_stay", $("t-stay").value || "60");
    if ($("t-from").value) q.set("from", $("t-from").value);
    if ($("t-to").value) q.set("to", $("t-to").value);
    if (format === "csv") q.set("format", "csv"); else q.set("sealed", "1");
    return q.toString();
  }

  async function runTrace(ev) {
    ev.preventDefault();
    if (!/^(cccd|phone|pccovid|pass):\S{1,63}$/.test($("t-case").value.trim())) {
      say(w("trace_bad_case"), "error");
      $("t-case").focus();
      return;
    }
    if ($("t-reason").value.trim().length < 3) {
      say(w("trace_no_reason"), "error");
      $("t-reason").focus();
      return;
    }
    const form = $("trace-form"), t0 = performance.now();
    busy(form, true);
    say(w("loading"), "info");
    try {
      const q = traceQuery("json");
      const j = await api("/api/v1/trace?" + q);
      zoneOf(j.case.from);
      trace = { j: j, q: q, opened: 0, personal: new Map() };
      say("", "");
      renderTrace();
      afterPaint(() => { window.consoleTimes.trace_ms = performance.now() - t0; });
    } catch (e) {
      fail(e);
    } finally {
      busy(form, false);
    }
  }

  /* The opened fields a tracer reads, in the page's words; anything else
   * in a box is left out. The card's date of birth is DDMMYYYY. */
  const FIELDS = ["dob", "gender", "address", "document", "doc_type", "issue_date", "old_id", "ext"];
  function opened(e) { return trace && trace.personal.get(e); }
  function personalText(e) {
    const p = opened(e);
    if (p) {
      return FIELDS.filter((k) => Object.prototype.hasOwnProperty.call(p, k) && typeof p[k] === "string" && p[k])
        .map((k) => w("f_" + k) + ": " + (k === "dob" && /^\d{8}$/.test(p[k]) ? p[k].slice(4) + "-" + p[k].slice(2, 4) + "-" + p[k].slice(0, 2) : p[k]))
        .join("; ");
    }
    return e.sealed ? w("sealed") : "";
  }

  function nameText(e) {
    const p = opened(e);
    if (p) return typeof p.name === "string" ? p.name : "";
    return e.sealed ? w("sealed") : "";
  }

  function entryCols(kind) {
    const cols = [
      { w: "col_who", v: (e) => e.subject },
      { w: "col_name", v: nameText },
      { w: "col_venue", v: (e) => e.venue + " (" + e.venue_id + ")" },
      { w: "col_in", v: (e) => e.in_ms, s: (e) => when(e.in) },
      { w: "col_out", v: (e) => e.out_ms, s: (e) => when(e.out) + (e.out_assumed ? " " + w("assumed") : "") }
    ];
    if (kind !== "visits") cols.push({ w: "col_overlap", v: (e) => e.overlap_min });
    if (kind === "f2") cols.push({ w: "col_via", v: (e) => e.via || "" });
    cols.push({ w: "col_source", v: (e) => e.source, s: (e) => w("src_" + e.source) });
    cols.push({ w: "col_personal", v: personalText });
    return cols;
  }

  function renderTrace() {
    if (!trace) return;
    const j = trace.j;
    $("trace-out").hidden = false;
    let s = w("trace_summary", { visits: j.visits.length, f1: j.f1.length, f2: j.f2.length });
    if (!j.complete) s += " " + w("trace_cut", { why: j.cut_short || "" });
    $("trace-summary").textContent = s;
    $("trace-summary").className = j.complete ? "summary" : "summary warn";
    table($("t-visits"), entryCols("visits"), j.visits);
    table($("t-f1"), entryCols("f1"), j.f1);
    table($("t-f2"), entryCols("f2"), j.f2);
    $("h-f2").hidden = $("t-f2").hidden = j.case.depth < 2;
    const sealed = j.visits.concat(j.f1, j.f2).some((e) => e.sealed);
    $("key-state").textContent = trace.opened ? w("key_opened", { n: trace.opened }) : (sealed ? w("key_none") : "");
    renderTimelines(j);
  }

  /* One chart per venue of the case: the case's visits and the contacts'
   * intervals there, as floating bars on a time axis. */
  function renderTimelines(j) {
    const box = $("timelines");
    box.textContent = "";
    const venues = [];
    j.visits.forEach((v) => { if (venues.indexOf(v.venue_id) < 0) venues.push(v.venue_id); });
    venues.forEach((vid) => {
      const rows = [];
      j.visits.filter((e) => e.venue_id === vid).forEach((e) => rows.push({ e: e, k: "case" }));
      j.f1.filter((e) => e.venue_id === vid).forEach((e) => rows.push({ e: e, k: "f1" }));
      j.f2.filter((e) => e.venue_id === vid).forEach((e) => rows.push({ e: e, k: "f2" }));
      const shown = rows.slice(0, TIMELINE_ROWS);
      const fig = document.createElement("figure");
      const cap = document.createElement("figcaption");
      cap.textContent = rows[0].e.venue + " (" + vid + ")" + (rows.length > shown.length ? " — " + shown.length + "/" + rows.length : "");
      const holder = document.createElement("div");
      holder.className = "timeline";
      holder.style.height = (60 + 22 * shown.length) + "px";
      const canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", cap.textContent);
      holder.appendChild(canvas);
      fig.appendChild(cap);
      fig.appendChild(holder);
      box.appendChild(fig);
      const colour = { case: "#b0221b", f1: "#d9822b", f2: "#1d5296" };
      /* Whole half hours either side, so the ticks fall on :00 and :30. */
      const half = 30 * 60000;
      const lo = Math.floor(Math.min.apply(null, shown.map((r) => r.e.in_ms)) / half) * half;
      const hi = Math.ceil(Math.max.apply(null, shown.map((r) => r.e.out_ms)) / half) * half;
      chart(canvas, {
        type: "bar",
        data: {
          labels: shown.map((r) => (r.k === "case" ? "● " : r.k.toUpperCase() + " ") + (opened(r.e) && nameText(r.e) ? nameText(r.e) : r.e.subject)),
          datasets: [{
            data: shown.map((r) => [r.e.in_ms, r.e.out_ms]),
            backgroundColor: shown.map((r) => colour[r.k]),
            borderSkipped: false, barPercentage: 0.8
          }]
        },
        options: {
          indexAxis: "y",
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (c) => hhmm(c.raw[0]) + "–" + hhmm(c.raw[1]) } }
          },
          scales: {
            x: { type: "linear", min: lo, max: hi,
              ticks: { callback: (v) => hhmm(v), stepSize: (hi - lo) > 8 * half ? 4 * half : half } },
            y: { ticks: { autoSkip: false } }
          }
        }
      });
    });
  }

  function loadScript(src) {
    return new Promise((ok, no) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = ok;
      s.onerror = () => no(new Error(src));
      document.head.appendChild(s);
    });
  }

  let sodiumReady = null;
  function sodiumLib() {
    if (!sodiumReady) {
      sodiumReady = loadScript("/vendor/libsodium.js")
        .then(() => loadScript("/vendor/libsodium-wrappers.js"))
        .then(() => window.sodium.ready).then(() => window.sodium);
    }
    return sodiumReady;
  }

  /* The authority's key file, read here and used here: sealed fields are
   * opened in this browser and the key is wiped after. */
  async function openSealed() {
    const f = $("trace-key").files[0];
    $("trace-key").value = "";
    if (!f || !trace) return;
    const text = (await f.text()).trim();
    const m = /^x25519-secret:([A-Za-z0-9+/=]{43,44})$/.exec(text);
    if (!m) {
      say(w("key_bad"), "error");
      return;
    }
    let na;
    try {
      na = await sodiumLib();
    } catch (e) {
      sodiumReady = null;
      say(w("key_lib"), "error");
      return;
    }
    let sk;
    try {
      sk = na.from_base64(m[1], na.base64_variants.ORIGINAL);
    } catch (e) {
      say(w("key_bad"), "error");
      return;
    }
    if (sk.length !== 32) {
      say(w("key_bad"), "error");
      return;
    }
    const pk = na.crypto_scalarmult_base(sk);
    let n = 0, sealed = 0;
    const j = trace.j;
    trace.personal.clear();
    j.visits.concat(j.f1, j.f2).forEach((e) => {
      if (!e.sealed) return;
      sealed++;
      try {
        const box = na.from_base64(e.sealed, na.base64_variants.ORIGINAL);
        const p = JSON.parse(na.to_string(na.crypto_box_seal_open(box, pk, sk)));
        if (p && typeof p === "object") {
          trace.personal.set(e, p);
          n++;
        }
      } catch (err) {
        /* not sealed to this key */
      }
    });
    na.memzero(sk);
    trace.opened = n;
    if (sealed > 0 && n === 0) say(w("key_wrong"), "error"); else say("", "");
    renderTrace();
  }

  async function traceCsv() {
    try {
      if (!trace) return;
      /* The question whose answer is on the screen, not the form's. */
      const q = new URLSearchParams(trace.q);
      q.delete("sealed");
      q.set("format", "csv");
      const r = await api("/api/v1/trace?" + q.toString(), { raw: true });
      download("trace.csv", await r.blob());
    } catch (e) {
      fail(e);
    }
  }

  function traceJson() {
    if (!trace) return;
    /* What the server sent: the sealed fields still sealed, nothing
     * opened here (those stay in trace.personal, on this page). */
    download("trace.json", new Blob([JSON.stringify(trace.j, null, 1)], { type: "application/json" }));
  }

  /* ---- patrol ---- */

  function venueState(v) {
    if (!v.last_heartbeat && !v.last_upload) return "never";
    if (v.silent) return "silent";
    return v.last_heartbeat ? "live" : "noheartbeat";
  }

  async function runReport(ev) {
    if (ev) ev.preventDefault();
    const ward = $("r-ward").value.trim();
    if (!ward) {
      say(w("report_ward") + "?", "error");
      $("r-ward").focus();
      return;
    }
    const q = new URLSearchParams({ ward: ward });
    if ($("r-date").value) q.set("date", $("r-date").value);
    const form = $("report-form"), t0 = performance.now();
    busy(form, true);
    say(w("loading"), "info");
    try {
      report = await api("/api/v1/report?" + q.toString());
      zoneOf(report.generated);
      reportAll = false;
      say("", "");
      renderReport();
      $("report-print").disabled = false;
      afterPaint(() => { window.consoleTimes.report_ms = performance.now() - t0; });
    } catch (e) {
      fail(e);
    } finally {
      busy(form, false);
      $("report-print").disabled = !report;
    }
  }

  function renderReport() {
    if (!report) return;
    const r = report;
    $("report-out").hidden = false;
    const never = r.venues.filter((v) => venueState(v) === "never").length;
    const places = new Set(r.venues.map((v) => v.venue_id)).size;
    $("report-summary").textContent = w("report_summary", { ward: r.ward, date: r.date, n: r.venues_total, places: places, silent: r.silent, never: never });
    /* The ward's check-ins per day: the venues' 7 days added up. */
    const days = r.venues.length ? r.venues[0].visits_per_day.map((d) => d.date) : [];
    const sums = days.map((d, i) => r.venues.reduce((s, v) => s + v.visits_per_day[i].visits, 0));
    chart($("report-chart"), {
      type: "bar",
      data: { labels: days, datasets: [{ label: w("report_visits"), data: sums, backgroundColor: "#1d5296" }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, grace: "10%", ticks: { precision: 0 } } } }
    });
    drawVenues();
  }

  function drawVenues() {
    const only = $("r-silent-only").checked, f = $("r-filter").value.trim().toLowerCase();
    const rows = report.venues.filter((v) => (!only || venueState(v) !== "live") &&
      (!f || (v.venue + " " + v.venue_id + " " + v.address).toLowerCase().indexOf(f) >= 0));
    rows.forEach((v) => { v._class = "st-" + venueState(v); });
    const sum7 = (v) => v.visits_per_day.reduce((s, d) => s + d.visits, 0);
    const today = (v) => v.visits_per_day[v.visits_per_day.length - 1].visits;
    const longest = (v) => v.heartbeat_gaps.reduce((m, g) => Math.max(m, g.minutes), 0);
    table($("r-venues"), [
      { w: "col_venue", v: (v) => v.venue + " " + v.venue_id, s: (v) => {
        const b = button(v.venue || v.venue_id, () => venueDetail(v), "link");
        const span = document.createElement("span");
        span.appendChild(b);
        span.appendChild(document.createTextNode(" " + v.venue_id));
        return span;
      } },
      { w: "col_device", v: (v) => v.device, s: (v) => v.device.slice(0, 8) },
      { w: "col_state", v: (v) => ({ never: 0, silent: 1, noheartbeat: 2, live: 3 })[venueState(v)], s: (v) => w("state_" + venueState(v)) },
      { w: "col_hb", v: (v) => v.last_heartbeat || "", s: (v) => when(v.last_heartbeat) },
      { w: "col_upload", v: (v) => v.last_upload || "", s: (v) => when(v.last_upload) },
      { w: "col_backlog", v: (v) => (v.backlog === null ? -1 : v.backlog), s: (v) => (v.backlog === null ? "—" : v.backlog) },
      { w: "col_7d", v: sum7 },
      { w: "col_today", v: today },
      { w: "col_gaps", v: longest, s: (v) => (v.heartbeat_gaps.length ? v.heartbeat_gaps.length + " / " + longest(v) + "′" : "0") },
      { w: "col_insp", v: (v) => v.inspections.last || "", s: (v) => (v.inspections.on_day.length + " · " + when(v.inspections.last)) }
    ], rows, reportAll ? 0 : REPORT_ROWS);
    const more = $("r-more");
    more.textContent = "";
    if (!reportAll && rows.length > REPORT_ROWS) {
      more.appendChild(document.createTextNode(w("report_more", { shown: REPORT_ROWS, n: rows.length }) + " "));
      more.appendChild(button(w("report_show_all"), () => { reportAll = true; drawVenues(); }));
    }
  }

  function venueDetail(v) {
    const box = $("venue-detail");
    box.hidden = false;
    box.textContent = "";
    const h = document.createElement("h3");
    h.textContent = v.venue + " (" + v.venue_id + ") — " + w("state_" + venueState(v));
    box.appendChild(h);
    const p = document.createElement("p");
    p.textContent = (v.address || "") + (v.hours ? " · " + w("col_hours") + ": " + v.hours : "") + " · " + w("col_device") + " " + v.device;
    box.appendChild(p);
    const c1 = document.createElement("div");
    c1.className = "chart-box small";
    const k1 = document.createElement("canvas");
    k1.setAttribute("role", "img");
    k1.setAttribute("aria-label", w("report_chart"));
    c1.appendChild(k1);
    box.appendChild(c1);
    chart(k1, {
      type: "bar",
      data: { labels: v.visits_per_day.map((d) => d.date), datasets: [{ label: w("report_visits"), data: v.visits_per_day.map((d) => d.visits), backgroundColor: "#147a3a" }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, grace: "10%", ticks: { precision: 0 } } } }
    });
    const h2 = document.createElement("h4");
    h2.textContent = w("detail_gaps");
    box.appendChild(h2);
    if (v.heartbeat_gaps.length) {
      const day0 = new Date(report.date + "T00:00:00" + zoneText()).getTime();
      const c2 = document.createElement("div");
      c2.className = "timeline";
      c2.style.height = "90px";
      const k2 = document.createElement("canvas");
      k2.setAttribute("role", "img");
      k2.setAttribute("aria-label", w("detail_gaps"));
      c2.appendChild(k2);
      box.appendChild(c2);
      chart(k2, {
        type: "bar",
        data: { labels: [w("detail_gaps")], datasets: v.heartbeat_gaps.map((g) => ({
          data: [[new Date(g.from).getTime(), new Date(g.to).getTime()]], backgroundColor: "#b0221b", borderSkipped: false })) },
        options: { indexAxis: "y", plugins: { legend: { display: false },
          tooltip: { callbacks: { label: (c) => hhmm(c.raw[0]) + "–" + hhmm(c.raw[1]) } } },
          scales: { x: { type: "linear", min: day0, max: day0 + 86400000, ticks: { callback: (x) => hhmm(x), stepSize: 3 * 3600000 } }, y: { stacked: true } } }
      });
      const ul = document.createElement("ul");
      v.heartbeat_gaps.forEach((g) => {
        const li = document.createElement("li");
        li.textContent = when(g.from) + " – " + when(g.to) + " (" + g.minutes + "′)";
        ul.appendChild(li);
      });
      box.appendChild(ul);
    } else {
      box.appendChild(document.createTextNode(w("detail_none")));
    }
    const h3 = document.createElement("h4");
    h3.textContent = w("detail_insp");
    box.appendChild(h3);
    const t = document.createElement("table");
    box.appendChild(t);
    table(t, [
      { w: "col_when", v: (i) => i.at_ms, s: (i) => when(i.at) },
      { w: "detail_officer", v: (i) => i.pass_id + " · " + i.issuer }
    ], v.inspections.on_day);
    box.appendChild(button(w("detail_close"), () => { box.hidden = true; }));
    box.scrollIntoView();
  }

  function printReport() {
    if (!report) return;
    reportAll = true;
    drawVenues();
    $("venue-detail").hidden = true;
    afterPaint(() => window.print());
  }

  /* ---- receipts ---- */

  function showReceipt(j) {
    const out = $("receipt-out");
    out.textContent = "";
    const h = document.createElement("p");
    h.className = j.valid ? "ok big" : "bad big";
    h.textContent = j.valid ? w("receipt_valid") : w("receipt_invalid");
    out.appendChild(h);
    const dl = document.createElement("dl");
    const add = (k, v) => {
      if (v === undefined || v === null || v === "") return;
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k;
      dd.textContent = typeof v === "object" ? JSON.stringify(v) : v;
      dl.appendChild(dt);
      dl.appendChild(dd);
    };
    const rc = j.receipt && typeof j.receipt === "object" ? j.receipt : {};
    add(w("col_venue"), j.venue ? j.venue + " (" + j.venue_id + ")" : "");
    add(w("col_device"), j.device);
    add(w("receipt_at"), rc.at ? whenMs(rc.at * 1000) : "");
    add(w("receipt_today"), rc.today);
    add(w("receipt_reason"), j.reason ? w("server_said") + " " + j.reason : "");
    out.appendChild(dl);
  }

  async function checkReceipt(ev) {
    if (ev) ev.preventDefault();
    const text = $("rc-text").value.trim();
    if (!text) {
      say(w("receipt_empty"), "error");
      $("rc-text").focus();
      return;
    }
    try {
      showReceipt(await api("/api/v1/verify-receipt", { method: "POST", body: { receipt: text } }));
      say("", "");
    } catch (e) {
      fail(e);
    }
  }

  /* The phone's camera, where the browser reads QR codes itself
   * (BarcodeDetector); else the officer pastes the text. */
  async function receiptCamera() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      say(w("receipt_nocam"), "error");
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      say(w("receipt_nocam") + " (" + e.message + ")", "error");
      return;
    }
    const video = $("rc-video");
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    say(w("receipt_scanning"), "info");
    const det = new BarcodeDetector({ formats: ["qr_code"] });
    const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
    const look = async () => {
      if (video.hidden) return;
      try {
        const found = await det.detect(video);
        if (found.length) {
          stop();
          $("rc-text").value = found[0].rawValue;
          checkReceipt();
          return;
        }
      } catch (e) { /* the next frame */ }
      setTimeout(look, 200);
    };
    look();
  }

  /* ---- admin ---- */

  async function loadTokens() {
    try {
      const j = await api("/api/v1/tokens");
      table($("k-list"), [
        { w: "col_id", v: (t) => t.id },
        { w: "col_role", v: (t) => t.role, s: (t) => w("role_" + t.role) + (me && t.id === me.token_id ? " (" + w("token_yours") + ")" : "") },
        { w: "col_state", v: (t) => t.state, s: (t) => w("token_" + t.state) },
        { w: "col_ward", v: (t) => t.ward + (t.venue_id ? " / " + t.venue_id : "") },
        { w: "col_created", v: (t) => t.created || "", s: (t) => when(t.created) },
        { w: "col_expires", v: (t) => t.expires || "", s: (t) => when(t.expires) },
        { w: "revoke", v: (t) => t.state, s: (t) => (t.state === "usable" ? confirmButton(t.id, () => revoke("/api/v1/tokens/revoke", { id: t.id }, t.id, loadTokens)) : "") }
      ], j.tokens);
    } catch (e) {
      fail(e);
    }
  }

  /* Revoke WHAT (PATH with BODY), say how it went, and list again. */
  async function revoke(path, body, what, reload) {
    try {
      const j = await api(path, { method: "POST", body: body });
      say(w(j.result === "revoked" ? "revoked_ok" : "revoked_already", { what: what }), j.result === "revoked" ? "ok" : "info");
    } catch (e) {
      fail(e);
    }
    reload();
  }

  function roleChanged() {
    $("k-venue").hidden = $("k-role").value !== "device-enrolment";
    if (!$("k-url").value) $("k-url").value = location.origin;
  }

  async function issueToken(ev) {
    ev.preventDefault();
    const body = { role: $("k-role").value };
    const v = (id) => $(id).value.trim();
    if (v("k-ward")) body.ward = v("k-ward");
    if (v("k-days")) body.expires_days = parseInt(v("k-days"), 10);
    if (body.role === "device-enrolment") {
      ["venue_id:k-vid", "venue_name:k-vname", "address:k-addr", "hours:k-hours"].forEach((p) => {
        const [k, id] = p.split(":");
        if (v(id)) body[k] = v(id);
      });
      if (body.venue_id && v("k-url")) body.collector_url = v("k-url");
    }
    const form = $("token-form");
    busy(form, true);
    try {
      const j = await api("/api/v1/tokens", { method: "POST", body: body });
      const out = $("token-new");
      out.hidden = false;
      out.textContent = "";
      const p = document.createElement("p");
      if (j.token) {
        p.textContent = w("tokens_new") + " ";
        const code = document.createElement("code");
        code.id = "token-value";
        code.textContent = j.token;
        p.appendChild(code);
      } else {
        p.textContent = w("tokens_code");
      }
      out.appendChild(p);
      if (j.note) {
        const n = document.createElement("p");
        n.className = "warn";
        n.textContent = w("server_said") + " " + j.note;
        out.appendChild(n);
      }
      if (j.sheet_pdf) {
        const bytes = Uint8Array.from(atob(j.sheet_pdf), (c) => c.charCodeAt(0));
        out.appendChild(button(w("tokens_sheet"), () => download("enrolment-" + (body.venue_id || "venue") + ".pdf",
          new Blob([bytes], { type: "application/pdf" }))));
      }
      say("", "");
      loadTokens();
    } catch (e) {
      fail(e);
    } finally {
      busy(form, false);
    }
  }

  async function loadDevices() {
    try {
      const j = await api("/api/v1/devices");
      table($("d-list"), [
        { w: "col_device", v: (d) => d.device_id },
        { w: "col_venue", v: (d) => d.venue_name + " (" + d.venue_id + ")" },
        { w: "col_ward", v: (d) => d.ward },
        { w: "col_enrolled", v: (d) => d.enrolled_ms, s: (d) => whenMs(d.enrolled_ms) },
        { w: "col_hb", v: (d) => d.last_heartbeat_ms, s: (d) => whenMs(d.last_heartbeat_ms) },
        { w: "col_upload", v: (d) => d.last_upload_ms, s: (d) => whenMs(d.last_upload_ms) },
        { w: "col_revoked", v: (d) => d.revoked_ms, s: (d) => (d.revoked_ms ? whenMs(d.revoked_ms) :
          confirmButton(d.venue_name || d.device_id, () => revoke("/api/v1/devices/revoke", { device: d.device_id }, d.device_id, loadDevices))) }
      ], j.devices);
    } catch (e) {
      fail(e);
    }
  }

  async function loadAudit(ev) {
    if (ev) ev.preventDefault();
    const q = new URLSearchParams();
    if ($("a-action").value) q.set("action", $("a-action").value);
    if ($("a-who").value.trim()) q.set("who", $("a-who").value.trim());
    if ($("a-subject").value.trim()) q.set("subject", $("a-subject").value.trim());
    if ($("a-from").value) q.set("from", $("a-from").value);
    if ($("a-to").value) q.set("to", $("a-to").value + "T23:59:59");
    try {
      const j = await api("/api/v1/audit?" + q.toString());
      const lines = Array.isArray(j) ? j : (j.audit || j.entries || []);
      const d = (a, k) => (a.detail && typeof a.detail === "object" ? a.detail[k] : undefined);
      table($("a-list"), [
        { w: "col_when", v: (a) => a.at_ms, s: (a) => whenMs(a.at_ms) },
        { w: "col_who", v: (a) => a.who },
        { w: "col_action", v: (a) => a.action },
        { w: "col_detail", v: (a) => [d(a, "subject"), d(a, "reason"), d(a, "ward"), d(a, "role"), d(a, "venue_id"), d(a, "device"), d(a, "token"),
          d(a, "refused") ? w("audit_refused") + " " + w("server_said") + " " + d(a, "refused") : ""].filter((x) => x).join(" · ") },
        { w: "col_results", v: (a) => a.results }
      ], lines.slice().reverse());
      say(w("audit_count", { n: lines.length }), "info");
    } catch (e) {
      fail(e);
    }
  }

  /* ---- start ---- */

  function rerender() {
    applyWords();
    renderTrace();
    if (report) renderReport();
    all("table").forEach((t) => { if (t._t) drawTable(t); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("lang").addEventListener("click", () => {
      lang = lang === "vi" ? "en" : "vi";
      sessionStorage.setItem(LANG, lang);
      rerender();
    });
    $("logout").addEventListener("click", () => logout());
    $("login-form").addEventListener("submit", login);
    $("trace-form").addEventListener("submit", runTrace);
    $("trace-csv").addEventListener("click", traceCsv);
    $("trace-json").addEventListener("click", traceJson);
    $("trace-key").addEventListener("change", openSealed);
    $("report-form").addEventListener("submit", runReport);
    $("report-print").addEventListener("click", printReport);
    $("r-silent-only").addEventListener("change", () => report && drawVenues());
    $("r-filter").addEventListener("input", () => report && drawVenues());
    $("receipt-form").addEventListener("submit", checkReceipt);
    $("rc-camera").addEventListener("click", receiptCamera);
    $("token-form").addEventListener("submit", issueToken);
    $("k-role").addEventListener("change", roleChanged);
    $("audit-form").addEventListener("submit", loadAudit);
    window.addEventListener("hashchange", () => { say("", ""); route(); });
    window.addEventListener("beforeprint", () => charts.forEach((c) => c.resize()));
    applyWords();
    roleChanged();
    const said = sessionStorage.getItem(MSG);
    sessionStorage.removeItem(MSG);
    if (said) say(said, "error");
    if (sessionStorage.getItem(TOKEN)) whoami(); else route();
  });
})();
