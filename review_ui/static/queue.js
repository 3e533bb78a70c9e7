/* Queue page: Enter opens the first document nobody else holds; upload files and zip archives into a
   batch; trigger an export. The batch page refreshes its rows in place (no reload: the focus stays where it is). */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const t = function (key, params) { return Gouji.t(key, params); };

  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    if (event.key !== "Enter" || ["input", "select", "textarea", "button", "a"].indexOf(tag) >= 0) return;
    const first = document.querySelector("a.open-doc");
    if (first) { event.preventDefault(); window.location = first.href; }
  });

  async function upload(event) {
    event.preventDefault();
    const status = $("upload-status");
    const files = $("files").files;
    if (!files.length) { status.textContent = t("choose_files"); return; }
    let batch = $("batch-select").value;
    if (!batch) {
      const made = await Gouji.api("POST", "/api/batches", { name: $("batch-name").value || t("default_batch") });
      if (!made.ok) { status.textContent = made.data.error || t("batch_not_created"); return; }
      batch = made.data.id;
    }
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    status.textContent = t("uploading");
    // the intake endpoint also takes zip archives (folders of page images inside are one report each)
    const res = await Gouji.api("POST", "/api/batches/" + batch + "/intake", form, true);
    if (!res.ok) { status.textContent = res.data.error || t("upload_failed"); return; }
    // a file already in the archive (or refused) is said, not dropped in silence
    const known = (res.data.duplicates || []).concat(res.data.already || []);
    const refused = res.data.refused || [];
    if (!known.length && !refused.length) { window.location = "/batches/" + batch; return; }
    status.replaceChildren();
    known.forEach(function (d) {
      status.appendChild(Gouji.el("span", t("already_in_archive", { file: d.name, ids: d.id }), "known"));
    });
    refused.forEach(function (r) {
      status.appendChild(Gouji.el("span", t("upload_refused", { file: r.name, reason: r.reason }), "known"));
    });
    const link = Gouji.el("a", t("open_batch"));
    link.href = "/batches/" + batch;
    link.id = "open-batch";
    status.appendChild(link);
  }

  async function exportApproved(event) {
    event.preventDefault();
    const status = $("export-status");
    status.textContent = t("exporting");
    const res = await Gouji.api("POST", "/api/exports", { format: $("export-format").value });
    if (!res.ok) { status.textContent = res.data.error || t("export_failed"); return; }
    status.textContent = Gouji.tn("exported", res.data.documents, { rows: res.data.rows }) + " ";
    const link = Gouji.el("a", res.data.name);
    link.href = res.data.download_url;
    link.id = "export-link";
    status.appendChild(link);
    link.focus();
  }

  /** While documents are queued or processing, refresh their status, progress and flag count in
      place every 3 s (no reload: focus, selection and scroll stay). */
  function pollBatch() {
    const table = $("batch-docs");
    if (!table || !table.querySelector('tr[data-status="queued"], tr[data-status="processing"]')) return;
    window.setTimeout(async function () {
      const res = await Gouji.api("GET", "/api/batches/" + table.dataset.batch + "/documents?order=oldest");
      if (res.ok) res.data.documents.forEach(updateRow);
      pollBatch();
    }, Gouji.setting("status_poll_ms", 3000));
  }

  function updateRow(d) {
    const row = document.querySelector('#batch-docs tr[data-doc="' + d.id + '"]');
    if (!row) return;
    const cells = row.children;
    row.dataset.status = d.status;
    const badge = cells[4].querySelector(".status");
    badge.textContent = Gouji.name("doc_status", d.status);
    badge.className = "status status-" + d.status;
    const bar = cells[5].querySelector("progress");
    bar.value = d.progress;
    bar.nextSibling.textContent = " " + (d.stage || "");
    cells[6].textContent = String(d.flag_count);
    cells[2].textContent = d.agency || "—";
    if (d.status === "error" && !cells[7].querySelector("button")) cells[7].firstChild.textContent = d.error || "";
  }

  /** Admin: send an approved or rejected document back to review. */
  async function reopen(event) {
    const button = event.currentTarget;
    button.disabled = true;
    const res = await Gouji.api("POST", "/api/documents/" + button.dataset.doc + "/reopen", {});
    if (!res.ok) { button.disabled = false; button.textContent = res.data.error || t("not_applied"); return; }
    window.location = "/documents/" + button.dataset.doc;
  }

  async function retry(event) {
    const button = event.currentTarget;
    button.disabled = true;
    const res = await Gouji.api("POST", "/api/documents/" + button.dataset.doc + "/retry", {});
    if (!res.ok) { button.disabled = false; button.textContent = res.data.error || t("retry_failed"); return; }
    window.location.reload();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if ($("upload-form")) $("upload-form").addEventListener("submit", upload);
    document.querySelectorAll("button.retry").forEach(function (b) { b.addEventListener("click", retry); });
    document.querySelectorAll("button.reopen").forEach(function (b) { b.addEventListener("click", reopen); });
    if ($("export-form")) $("export-form").addEventListener("submit", exportApproved);
    pollBatch();
  });
})();
