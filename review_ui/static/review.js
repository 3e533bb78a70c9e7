/* The review station: keyboard-first correction of flagged cells (see REVIEW_UX.md).
   Enter saves and jumps to the next flagged cell; Ctrl+Enter accepts the value as read;
   Tab / Shift+Tab move; Alt+S takes the suggestion; Esc undoes typing; Alt+P goes to approval.
   The lease: taken on open, renewed while the reviewer is active, released after the idle time
   and on leaving (sendBeacon on pagehide). Held by someone else: the document opens read-only.
   After a decision the next document nobody holds opens. Strings come from the server (Gouji.t). */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const t = function (key, params) { return Gouji.t(key, params); };
  const S = { id: null, doc: null, key: null, busy: false, lockedBy: null, lastActive: Date.now(),
              released: false, leaving: false };
  const LEASE_RENEW_MS = Gouji.setting("lease_renew_ms", 60000);
  const POLL_MS = Gouji.setting("status_poll_ms", 3000);

  const show = function (text, kind) {
    const box = $("message");
    box.textContent = text || "";
    box.className = "message " + (kind || "");
  };
  const fmt = function (v) { return v === null || v === undefined ? "" : String(v); };
  const order = function () { return (S.doc && S.doc.review.order) || []; };
  const cell = function (key) { return S.doc.cells[key]; };
  const editableNow = function () { return Boolean(S.doc && S.doc.review.status === "review" && !S.lockedBy); };

  async function load(keepKey) {
    const res = await Gouji.api("GET", "/api/documents/" + S.id);
    if (!res.ok) { show(res.data.error || t("load_failed"), "error"); return; }
    setDoc(res.data, keepKey);
  }

  function setDoc(doc, nextKey) {
    S.doc = doc;
    $("doc-status").textContent = Gouji.name("doc_status", doc.review.status);
    $("doc-status").className = "status status-" + doc.review.status;
    if (!doc.cells) {
      show(t("status_line", { status: Gouji.name("doc_status", doc.review.status),
                              detail: doc.review.error || doc.review.stage || "" }));
      window.setTimeout(load, POLL_MS); return;
    }
    renderDecision();
    renderList();
    select(nextKey !== undefined ? nextKey : (order()[0] || null));
  }

  /** Take/renew the review lease; while someone else holds it, the document is read-only. */
  async function lease() {
    if (!S.doc || S.doc.review.status !== "review") return;
    const res = await Gouji.api("POST", "/api/documents/" + S.id + "/lock");
    S.lockedBy = res.status === 409 ? (res.data.current && res.data.current.user) || t("someone") : null;
    S.released = false;
    renderReadOnly();
  }

  function renderReadOnly() {
    const box = $("readonly");
    box.hidden = !S.lockedBy;
    box.textContent = S.lockedBy ? t("locked_by", { user: S.lockedBy }) : "";
    renderDecision();
    $("value").disabled = !editableNow() || !S.key;
  }

  /** Every minute: renew while active, release once idle (REVIEW_LOCK_IDLE_S). */
  function heartbeat() {
    const station = $("station");
    const idleMs = Number(station.dataset.idleMs);
    if (Date.now() - S.lastActive >= idleMs) { if (!S.released && !S.lockedBy) release(false); return; }
    lease();                       // renew; or, while someone else holds it, see whether they have left
  }

  function release(leaving) {
    if (!S.doc || S.doc.review.status !== "review" || S.lockedBy) return;
    const form = new FormData();
    form.append("csrf_token", Gouji.csrf());
    const url = "/api/documents/" + S.id + "/lock/release";
    if (leaving && navigator.sendBeacon) navigator.sendBeacon(url, form);
    else Gouji.api("POST", url, form, true);
    S.released = true;
  }

  function active() {
    S.lastActive = Date.now();
    if (S.released && !S.lockedBy) lease();
  }

  function select(key) {
    S.key = key && cell(key) ? key : null;
    renderList();
    renderCurrent();
    Gouji.pageview.show(S.key);
    if (S.key && editableNow()) { $("value").focus(); $("value").select(); } else { focusDecision(); }
  }

  function renderCurrent() {
    const c = S.key ? cell(S.key) : null;
    $("current").classList.toggle("empty", !c);
    $("cell-title").textContent = c ? S.doc.review.labels[S.key] + "  (" + S.key + ")" : t("nothing_left");
    $("value").value = c ? fmt(c.value) : "";
    $("value").disabled = !c || !editableNow();
    $("printed").textContent = c ? (c.text || t("blank")) : "";
    $("read-as").textContent = c ? t("read_as", { value: c.value === null ? t("blank") : fmt(c.value), confidence: c.confidence,
      source: Gouji.name("sources", c.source), status: Gouji.name("cell_status", c.status) }) : "";
    $("suggestion").textContent = c && c.suggestion !== undefined && c.suggestion !== null
      ? fmt(c.suggestion) + "  (Alt+S)" : "—";
    const reasons = $("reasons");
    reasons.replaceChildren();
    (c ? c.flags || [] : []).forEach(function (f) { reasons.appendChild(Gouji.el("li", Gouji.name("flags", f))); });
    const ENGINE = $("station").dataset.enginePrefix;      // service/storage/revalidate.ENGINE_EVIDENCE_PREFIX
    const stored = c ? c.reasons || [] : [];
    const shownReasons = c && c.reasons_shown ? c.reasons_shown : stored;   // review_ui/reason_text.py
    const evidence = stored.filter(function (r) { return r.indexOf(ENGINE) === 0; })[0];
    $("engine-read").textContent = evidence ? (c.evidence_shown || evidence.slice(ENGINE.length)) : "—";
    stored.forEach(function (r, i) { if (r !== evidence) reasons.appendChild(Gouji.el("li", shownReasons[i], "detail")); });
    const crop = $("crop");
    if (c && c.bbox) { crop.src = "/api/documents/" + S.id + "/cells/" + encodeURIComponent(S.key) + "/crop.png"; crop.hidden = false; }
    else { crop.removeAttribute("src"); crop.hidden = true; }
    $("draw-hint").hidden = !(c && !c.bbox && editableNow());
    renderSums();
    loadHistory();
  }

  function liveValue(k) {
    if (k === S.key) return $("value").value.trim();
    return cell(k) ? cell(k).value : null;
  }

  function renderSums() {
    const body = $("identities").querySelector("tbody");
    body.replaceChildren();
    renderCount();
    if (!S.key) return;
    S.doc.review.identities.filter(function (i) { return i.lhs.indexOf(S.key) >= 0 || i.rhs.indexOf(S.key) >= 0; })
      .forEach(function (identity) {
        const sums = Gouji.identitySums(identity, liveValue);
        const row = Gouji.el("tr", null, sums.holds ? "holds" : "broken");
        [Gouji.name("rules", identity.name), sums.lhs, sums.rhs, sums.diff].forEach(function (x) { row.appendChild(Gouji.el("td", x)); });
        body.appendChild(row);
      });
  }

  /** Broken rules: the identities as they add up now (live) plus the server's other rules. */
  function renderCount() {
    if (!S.doc || !S.doc.review) return;
    const names = {};
    S.doc.review.identities.forEach(function (i) { names[i.name] = true; });
    const others = (S.doc.violations || []).filter(function (v) { return !names[v.rule]; }).length;
    const broken = Gouji.brokenCount(S.doc.review.identities, liveValue) + others;
    $("violation-count").textContent = broken ? Gouji.tn("broken_rules", broken) : t("all_hold");
    $("violation-count").className = "count " + (broken ? "bad" : "ok");
    $("violation-count").dataset.count = String(broken);
  }

  function renderList() {
    const list = $("flag-list");
    list.replaceChildren();
    order().forEach(function (key) {
      const item = Gouji.el("li", null, key === S.key ? "current" : "");
      const link = Gouji.el("a", S.doc.review.labels[key] + " = " + fmt(cell(key).value));
      link.href = "#" + key;
      link.tabIndex = -1;
      link.addEventListener("click", function (e) { e.preventDefault(); select(key); });
      item.appendChild(link);
      const why = cell(key).audit ? t("audit_cell") : (cell(key).flags || []).map(function (f) { return Gouji.name("flags", f); }).join("；");
      item.appendChild(Gouji.el("small", why));
      list.appendChild(item);
    });
    $("pending-count").textContent = String(order().length);
    renderCount();
  }

  function neighbour(step) {
    const keys = order();
    if (!keys.length) return null;
    const at = keys.indexOf(S.key);
    if (at < 0) return keys[0];
    return keys[(at + step + keys.length) % keys.length];
  }

  /** After a save: the next pending key after ``key`` in the order as it was before the save. */
  function nextAfter(key, before) {
    const now = order();
    const at = before.indexOf(key);
    for (let i = at + 1; i < before.length; i++) if (now.indexOf(before[i]) >= 0) return before[i];
    return now.length ? now[0] : null;
  }

  async function write(method, url, payload) {
    if (S.busy || !S.key) return;
    S.busy = true;
    const key = S.key, before = order().slice();
    try {
      const res = await Gouji.api(method, url, payload);
      if (res.status === 409 && res.data.current && res.data.current.user) {  // the lease went to someone else
        S.lockedBy = res.data.current.user; renderReadOnly(); show(t("locked_by", { user: S.lockedBy }), "error");
        return;
      }
      if (res.status === 409) {
        const cur = res.data.current || {};
        show(cur.updated_by ? t("conflict", { error: res.data.error, value: fmt(cur.value), user: cur.updated_by })
                            : t("conflict_plain", { error: res.data.error }), "error");
        await load(key);
        return;
      }
      if (!res.ok) { show(res.data.error || t("not_saved"), "error"); $("value").focus(); return; }
      show(t("saved", { key: key, value: fmt(res.data.document.cells[key].value) }), "ok");
      S.doc = res.data.document;                     // nextAfter reads the new order
      setDoc(res.data.document, nextAfter(key, before));
    } finally { S.busy = false; }
  }

  function cellUrl(suffix, key) {
    return "/api/documents/" + S.id + "/cells/" + encodeURIComponent(key || S.key) + (suffix || "");
  }

  function save() {
    const typed = $("value").value.trim();
    const c = cell(S.key);
    if (typed === fmt(c.value)) { accept(); return; }
    write("PUT", cellUrl(), { value: typed === "" ? null : typed, expected_version: c.version });
  }

  function accept() { write("POST", cellUrl("/accept"), { expected_version: cell(S.key).version }); }

  async function loadHistory() {
    const list = $("history");
    list.replaceChildren();
    if (!S.key) return;
    const key = S.key;
    const res = await Gouji.api("GET", cellUrl("/history"));
    if (!res.ok || key !== S.key) return;
    res.data.history.forEach(function (h) {
      const line = t("history_line", { at: h.at.slice(0, 19).replace("T", " "), user: h.user,
        action: Gouji.name("actions", h.action), old: fmt(h.old), new: fmt(h.new) });
      list.appendChild(Gouji.el("li", line + (h.reason ? "（" + h.reason + "）" : "")));
    });
    $("history-box").querySelector("summary").textContent = t("history_title", { n: res.data.history.length });
  }

  function renderDecision() {
    if (!S.doc) return;
    const r = S.doc.review;
    if (document.activeElement !== $("agency")) $("agency").value = fmt(r.agency);
    if (document.activeElement !== $("year")) $("year").value = fmt(r.year);
    const open = editableNow();
    ["approve", "reject", "save-info", "reason", "agency", "year"].forEach(function (id) { $(id).disabled = !open; });
    $("reason").placeholder = r.can_approve_without_reason ? t("reason_optional") : t("reason_required");
    presetReason(r);
    renderTwins(r);
    const d = r.decision;
    $("decided").textContent = d && d.by ? t("decided", { status: Gouji.name("doc_status", r.status), user: d.by,
      at: fmt(d.at).slice(0, 16).replace("T", " ") }) + (d.reason ? " — " + d.reason : "") : "";
  }

  /** Nothing left to look at and every failing rule is the report's own error (clear readings kept
      as printed): the approval reason is preset, so Alt+P, Enter approves. A typed reason stays. */
  function presetReason(r) {
    const box = $("reason");
    const failing = S.doc.violations || [];
    const preset = !r.can_approve_without_reason && !order().length && failing.length &&
      failing.every(function (v) { return v.kind === "report_error"; });
    const text = preset ? t("preset_report_error", { rules: failing.map(function (v) { return Gouji.name("rules", v.rule); })
      .join(t("rule_separator")) }) : "";
    if (preset && (!box.value.trim() || box.dataset.preset === box.value)) { box.value = text; box.dataset.preset = text; }
    else if (!preset && box.dataset.preset && box.value === box.dataset.preset) { box.value = ""; delete box.dataset.preset; }
  }

  /** Other documents with this agency + year: listed at approval; the reviewer picks the current one. */
  function renderTwins(r) {
    const twins = r.same_report || [];
    $("twins").hidden = !twins.length;
    if (!twins.length) return;
    const list = twins.map(function (o) {
      return t("twin_item", { id: o.id, file: o.filename, status: Gouji.name("doc_status", o.status) });
    }).join("；");
    $("twins-text").textContent = t("twins", { list: list });
    $("twins-current").textContent = r.current === true ? t("is_current")
      : twins.some(function (o) { return o.current; }) ? t("other_current") : t("no_current");
    $("make-current").disabled = r.current === true || !S.doc.review.agency || !S.doc.review.year;
  }

  async function makeCurrent() {
    const res = await Gouji.api("POST", "/api/documents/" + S.id + "/current", {});
    if (!res.ok) { show(res.data.error || t("not_saved"), "error"); return; }
    show(t("made_current", res.data.choice), "ok");
    setDoc(res.data.document, S.key);
  }

  function focusDecision() {
    if (!editableNow()) return;
    if (S.doc.review.can_approve_without_reason) $("approve").focus(); else $("reason").focus();
  }

  async function decide(action) {
    if (!editableNow()) return;
    const needs = action === "reject" || !S.doc.review.can_approve_without_reason;
    if (needs && !$("reason").value.trim()) { show(t("reason_needed"), "error"); $("reason").focus(); return; }
    // the version the reviewer saw: a document changed since is not approved blind (409, look again)
    const res = await Gouji.api("POST", "/api/documents/" + S.id + "/" + action,
      { reason: $("reason").value, version: S.doc.review.version });
    if (res.status === 409 && res.data.current && res.data.current.user) {      // someone else holds it now
      S.lockedBy = res.data.current.user; renderReadOnly(); show(t("locked_by", { user: S.lockedBy }), "error"); return;
    }
    if (res.status === 409) { await load(S.key); show(res.data.error, "error"); return; }  // look again first
    if (!res.ok) { show(res.data.error || t("decision_failed"), "error"); $("reason").focus(); return; }
    show(t(action === "approve" ? "approved" : "rejected"), "ok");
    S.leaving = true;
    const next = await Gouji.api("GET", "/api/documents/next?after=" + S.id);
    if (next.ok && next.data.id) { window.location = "/documents/" + next.data.id; return; }
    await load(null);
  }

  async function saveInfo() {
    const res = await Gouji.api("PATCH", "/api/documents/" + S.id + "/report",
      { agency: $("agency").value, year: $("year").value === "" ? null : Number($("year").value),
        expected_version: S.doc.review.version });
    if (res.status === 409) { await load(S.key); show(res.data.error, "error"); return; }
    if (!res.ok) { show(res.data.error || t("not_saved"), "error"); return; }
    show(t("info_saved"), "ok");
    setDoc(res.data, S.key);
  }

  function onValueKey(event) {
    if (event.key === "Enter") { event.preventDefault(); if (event.ctrlKey || event.metaKey) accept(); else save(); }
    else if (event.key === "Tab") { event.preventDefault(); const k = neighbour(event.shiftKey ? -1 : 1); if (k) select(k); }
    else if (event.key === "Escape") { event.preventDefault(); $("value").value = fmt(cell(S.key).value); renderSums(); }
    else if (event.altKey && (event.key === "s" || event.key === "S")) {
      const c = cell(S.key);
      if (c.suggestion !== undefined && c.suggestion !== null) { event.preventDefault(); $("value").value = fmt(c.suggestion); renderSums(); }
    }
  }

  function onGlobalKey(event) {
    if (event.altKey && (event.key === "p" || event.key === "P")) { event.preventDefault(); focusDecision(); }
    else if (event.altKey && (event.key === "v" || event.key === "V")) { event.preventDefault(); select(S.key || order()[0]); }
    else if (event.altKey && (event.key === "c" || event.key === "C") && !$("twins").hidden) { event.preventDefault(); makeCurrent(); }
  }

  /** Unsaved typing (value or reason) asks before the page is left. */
  function unsaved() {
    const typed = S.key && cell(S.key) && $("value").value.trim() !== fmt(cell(S.key).value);
    return Boolean(!S.leaving && editableNow() && (typed || $("reason").value.trim()));
  }

  /** What ux.js and pageview.js need: the state, and how to show a new document. */
  Gouji.review = { state: function () { return S; }, setDoc: setDoc, show: show, select: select,
                   editable: editableNow, cellUrl: cellUrl };

  document.addEventListener("DOMContentLoaded", function () {
    const station = $("station");
    S.id = station.dataset.doc;
    $("value").addEventListener("keydown", onValueKey);
    $("value").addEventListener("input", renderSums);
    $("value-form").addEventListener("submit", function (e) { e.preventDefault(); });
    document.addEventListener("keydown", onGlobalKey);
    ["keydown", "mousedown"].forEach(function (type) { document.addEventListener(type, active, true); });
    $("decision").addEventListener("submit", function (e) { e.preventDefault(); decide("approve"); });
    $("reject").addEventListener("click", function () { decide("reject"); });
    $("reason").addEventListener("keydown", function (e) {           // Enter approves; Shift+Enter: a new line
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); decide("approve"); }
    });
    $("save-info").addEventListener("click", saveInfo);
    $("make-current").addEventListener("click", makeCurrent);
    window.addEventListener("beforeunload", function (e) { if (unsaved()) { e.preventDefault(); e.returnValue = ""; } });
    window.addEventListener("pagehide", function () { release(true); });
    load().then(lease);
    window.setInterval(heartbeat, Number(station.dataset.renewMs) || LEASE_RENEW_MS);
  });
})();
