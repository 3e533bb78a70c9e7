/* The batch's measured accuracy (REVIEW_UX.md §9): shows "audit: N checked, M corrected →
   estimated residual error rate x %" and draws the random audit sample of auto-accepted cells
   (POST /api/documents/audit, with the CSRF token). Sampled cells then appear in each document's
   review order after the flagged ones. */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const pct = function (x) { return (100 * x).toFixed(2); };

  /** The figure in the page's language, from its numbers (the server's ``text`` is English). */
  function words(f) {
    if (!f.sampled) return Gouji.t("audit_none");
    if (f.rate === null || f.rate === undefined) return Gouji.t("audit_unchecked", { sampled: f.sampled });
    return Gouji.t("audit_figure", { checked: f.checked, corrected: f.corrected, rate: pct(f.rate),
                                     upper: pct(f.upper95), left: f.sampled - f.checked });
  }

  async function refresh(batch) {
    const res = await Gouji.api("GET", "/api/documents/audit?batch_id=" + encodeURIComponent(batch));
    if (res.ok) $("audit-figure").textContent = words(res.data);
  }

  async function draw(batch) {
    const rate = Number($("audit-rate").value.replace(",", ".")) / 100;
    const payload = { batch_id: Number(batch), rate: rate, minimum: Number($("audit-minimum").value) };
    if ($("audit-seed").value.trim()) payload.seed = $("audit-seed").value.trim();
    const res = await Gouji.api("POST", "/api/documents/audit", payload);
    $("audit-figure").textContent = res.ok ? words(res.data) + " " + Gouji.t("audit_drawn", res.data)
      : (res.data.error || Gouji.t("not_drawn"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    const box = $("audit-box");
    if (!box) return;
    const batch = box.dataset.batch;
    $("audit-form").addEventListener("submit", function (e) { e.preventDefault(); draw(batch); });
    refresh(batch);
  });
})();
