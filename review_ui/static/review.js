/* The review station: keyboard-first correction of flagged cells (see REVIEW_UX.md).
   Enter saves and jumps to the next flagged cell; Ctrl+Enter accepts the value as read;
   Tab / Shift+Tab move; Alt+S takes the suggestion; Esc undoes typing; Alt+P goes to approval. */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const S = { id: null, doc: null, key: null, busy: false, lockedBy: null };
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

  async function load(keepKey) {
    const res = await Gouji.api("GET", "/api/documents/" + S.id);
    if (!res.ok) { show(res.data.error || "cannot load the document", "error"); return; }
    setDoc(res.data, keepKey);
  }

  function setDoc(doc, nextKey) {
    S.doc = doc;
    $("doc-status").textContent = doc.review.status;
    $("doc-status").className = "status status-" + doc.review.status;
    if (!doc.cells) { show("status: " + doc.review.status + " " + (doc.review.error || doc.review.stage || ""));
      window.setTimeout(load, POLL_MS); return; }
    renderDecision();
    renderList();
    select(nextKey !== undefined ? nextKey : (order()[0] || null));
  }

  /** Take/renew the review lease; while someone else holds it, editing is disabled. */
  async function lease() {
    if (!S.doc || S.doc.review.status !== "review") return;
    const res = await Gouji.api("POST", "/api/documents/" + S.id + "/lock");
    S.lockedBy = res.status === 409 ? (res.data.current && res.data.current.user) || "someone" : null;
    if (S.lockedBy) show(res.data.error, "error");
    $("value").disabled = Boolean(S.lockedBy) || !S.key;
  }

  function select(key) {
    S.key = key && cell(key) ? key : null;
    renderList();
    renderCurrent();
    renderPage();
    if (S.key) { $("value").focus(); $("value").select(); } else { focusDecision(); }
  }

  function renderCurrent() {
    const c = S.key ? cell(S.key) : null;
    $("current").classList.toggle("empty", !c);
    $("cell-title").textContent = c ? S.doc.review.labels[S.key] + "  (" + S.key + ")" : "Nothing left to review";
    $("value").value = c ? fmt(c.value) : "";
    $("value").disabled = !c || S.doc.review.status !== "review" || Boolean(S.lockedBy);
    $("printed").textContent = c ? (c.text || "(blank)") : "";
    $("read-as").textContent = c ? fmt(c.value) + "  · confidence " + c.confidence + " · " + c.source + " · " + c.status : "";
    $("suggestion").textContent = c && c.suggestion !== undefined ? fmt(c.suggestion) + "  (Alt+S)" : "—";
    const reasons = $("reasons");
    reasons.replaceChildren();
    (c ? c.reasons : []).forEach(function (r) { reasons.appendChild(Gouji.el("li", r)); });
    const crop = $("crop");
    if (c && c.bbox) { crop.src = "/api/documents/" + S.id + "/cells/" + encodeURIComponent(S.key) + "/crop.png"; crop.hidden = false; }
    else { crop.removeAttribute("src"); crop.hidden = true; }
    renderSums();
    loadHistory();
  }

  function renderSums() {
    const body = $("identities").querySelector("tbody");
    body.replaceChildren();
    if (!S.key) return;
    const typed = $("value").value.trim();
    const valueOf = function (k) { return k === S.key ? typed : (cell(k) ? cell(k).value : null); };
    S.doc.review.identities.filter(function (i) { return i.lhs.indexOf(S.key) >= 0 || i.rhs.indexOf(S.key) >= 0; })
      .forEach(function (identity) {
        const sums = Gouji.identitySums(identity, valueOf);
        const row = Gouji.el("tr", null, sums.holds ? "holds" : "broken");
        [identity.name, sums.lhs, sums.rhs, sums.diff].forEach(function (t) { row.appendChild(Gouji.el("td", t)); });
        body.appendChild(row);
      });
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
      item.appendChild(Gouji.el("small", cell(key).audit ? "audit sample: confirm or correct" : cell(key).reasons.join("; ")));
      list.appendChild(item);
    });
    $("pending-count").textContent = String(order().length);
    const broken = S.doc.violations.length;
    $("violation-count").textContent = broken ? broken + " broken rules" : "all rules hold";
    $("violation-count").className = "count " + (broken ? "bad" : "ok");
  }

  function renderPage() {
    const c = S.key ? cell(S.key) : null;
    const firstFlag = order().length ? cell(order()[0]) : null;
    const page = (c && c.page) || (firstFlag && firstFlag.page) || 1;
    const img = $("page-img");
    const src = "/api/documents/" + S.id + "/pages/" + page + ".png";
    $("page-label").textContent = "page " + page + " of " + S.doc.source.pages;
    if (img.getAttribute("src") !== src) { img.onload = function () { drawBoxes(page); }; img.src = src; }
    else if (img.complete) { drawBoxes(page); }
  }

  function drawBoxes(page) {
    const img = $("page-img");
    const overlay = $("overlay");
    overlay.replaceChildren();
    const w = img.naturalWidth, h = img.naturalHeight;
    if (!w || !h) return;
    Object.keys(S.doc.cells).forEach(function (key) {
      const c = S.doc.cells[key];
      if (c.page !== page || !c.bbox) return;
      const box = Gouji.el("div", null, "box " + c.status + (key === S.key ? " current" : ""));
      box.style.left = (100 * c.bbox[0] / w) + "%";
      box.style.top = (100 * c.bbox[1] / h) + "%";
      box.style.width = (100 * (c.bbox[2] - c.bbox[0]) / w) + "%";
      box.style.height = (100 * (c.bbox[3] - c.bbox[1]) / h) + "%";
      box.title = key + " = " + fmt(c.value);
      box.addEventListener("click", function () { select(key); });
      overlay.appendChild(box);
      if (key === S.key) box.scrollIntoView({ block: "nearest", inline: "nearest" });
    });
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
      if (res.status === 409) {
        const who = res.data.current && res.data.current.updated_by;
        show((res.data.error || "conflict") + (who ? " — now " + fmt(res.data.current.value) + " by " + who : "") +
             ". Reloaded: check and retry.", "error");
        await load(key);
        return;
      }
      if (!res.ok) { show(res.data.error || "not saved", "error"); $("value").focus(); return; }
      show("saved " + key + " = " + fmt(res.data.document.cells[key].value), "ok");
      S.doc = res.data.document;
      setDoc(res.data.document, nextAfter(key, before));
    } finally { S.busy = false; }
  }

  function cellUrl(suffix) { return "/api/documents/" + S.id + "/cells/" + encodeURIComponent(S.key) + (suffix || ""); }

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
      list.appendChild(Gouji.el("li", h.at.slice(0, 19).replace("T", " ") + " " + h.user + ": " + h.action + " " +
        fmt(h.old) + " → " + fmt(h.new) + (h.reason ? " (" + h.reason + ")" : "")));
    });
    $("history-box").querySelector("summary").textContent = "History of this cell (" + res.data.history.length + ")";
  }

  function renderDecision() {
    const r = S.doc.review;
    $("agency").value = fmt(r.agency);
    $("year").value = fmt(r.year);
    const open = r.status === "review";
    ["approve", "reject", "save-info", "reason", "agency", "year"].forEach(function (id) { $(id).disabled = !open; });
    $("reason").placeholder = r.can_approve_without_reason ? "optional: everything holds" : "required: say why you approve anyway";
    const d = r.decision;
    $("decided").textContent = d && d.by ? r.status + " by " + d.by + " at " + fmt(d.at).slice(0, 16).replace("T", " ") +
      (d.reason ? " — " + d.reason : "") : "";
  }

  function focusDecision() {
    if (!S.doc || S.doc.review.status !== "review") return;
    if (S.doc.review.can_approve_without_reason) $("approve").focus(); else $("reason").focus();
  }

  async function decide(action) {
    const res = await Gouji.api("POST", "/api/documents/" + S.id + "/" + action,
      { reason: $("reason").value, version: S.doc.review.version });
    if (res.status === 409) { await load(S.key); show(res.data.error, "error"); return; }  // look again first
    if (!res.ok) { show(res.data.error || action + " failed", "error"); $("reason").focus(); return; }
    show(action === "approve" ? "approved" : "rejected", "ok");
    await load(null);
  }

  async function saveInfo() {
    const res = await Gouji.api("PATCH", "/api/documents/" + S.id + "/report",
      { agency: $("agency").value, year: $("year").value === "" ? null : Number($("year").value),
        expected_version: S.doc.review.version });
    if (res.status === 409) { await load(S.key); show(res.data.error, "error"); return; }
    if (!res.ok) { show(res.data.error || "not saved", "error"); return; }
    show("report info saved", "ok");
    setDoc(res.data, S.key);
  }

  function onValueKey(event) {
    if (event.key === "Enter") { event.preventDefault(); if (event.ctrlKey || event.metaKey) accept(); else save(); }
    else if (event.key === "Tab") { event.preventDefault(); const k = neighbour(event.shiftKey ? -1 : 1); if (k) select(k); }
    else if (event.key === "Escape") { event.preventDefault(); $("value").value = fmt(cell(S.key).value); renderSums(); }
    else if (event.altKey && (event.key === "s" || event.key === "S")) {
      const c = cell(S.key);
      if (c.suggestion !== undefined) { event.preventDefault(); $("value").value = fmt(c.suggestion); renderSums(); }
    }
  }

  function onGlobalKey(event) {
    if (event.altKey && (event.key === "p" || event.key === "P")) { event.preventDefault(); focusDecision(); }
    else if (event.altKey && (event.key === "v" || event.key === "V")) { event.preventDefault(); select(S.key || order()[0]); }
  }

  /** What ux.js (groups, structure repair) needs: the state, and how to show a new document. */
  Gouji.review = { state: function () { return S; }, setDoc: setDoc, show: show, select: select };

  document.addEventListener("DOMContentLoaded", function () {
    S.id = $("station").dataset.doc;
    $("value").addEventListener("keydown", onValueKey);
    $("value").addEventListener("input", renderSums);
    $("value-form").addEventListener("submit", function (e) { e.preventDefault(); });
    document.addEventListener("keydown", onGlobalKey);
    $("decision").addEventListener("submit", function (e) { e.preventDefault(); decide("approve"); });
    $("reject").addEventListener("click", function () { decide("reject"); });
    $("save-info").addEventListener("click", saveInfo);
    load().then(lease);
    window.setInterval(lease, LEASE_RENEW_MS);
  });
})();
