/* Queue page: Enter opens the first document; upload files and zip archives into a batch; trigger an export. */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };

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
    if (!files.length) { status.textContent = "choose files first"; return; }
    let batch = $("batch-select").value;
    if (!batch) {
      const made = await Gouji.api("POST", "/api/batches", { name: $("batch-name").value || "batch" });
      if (!made.ok) { status.textContent = made.data.error || "could not create the batch"; return; }
      batch = made.data.id;
    }
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    status.textContent = "uploading…";
    // the intake endpoint also takes zip archives (folders of page images inside are one report each)
    const res = await Gouji.api("POST", "/api/batches/" + batch + "/intake", form, true);
    if (!res.ok) { status.textContent = res.data.error || "upload failed"; return; }
    if (res.data.refused.length || res.data.duplicates.length) {
      status.textContent = res.data.queued.length + " queued, " + res.data.duplicates.length + " duplicates, " +
        res.data.refused.length + " refused: " +
        res.data.refused.map(function (r) { return r.name + " (" + r.reason + ")"; }).join("; ");
      return;
    }
    window.location = "/batches/" + batch;
  }

  async function exportApproved(event) {
    event.preventDefault();
    const status = $("export-status");
    status.textContent = "exporting…";
    const res = await Gouji.api("POST", "/api/exports", { format: $("export-format").value });
    if (!res.ok) { status.textContent = res.data.error || "export failed"; return; }
    status.textContent = res.data.documents + " documents, " + res.data.rows + " rows: ";
    const link = Gouji.el("a", res.data.name);
    link.href = res.data.download_url;
    link.id = "export-link";
    status.appendChild(link);
    link.focus();
  }

  function pollBatch() {
    const table = $("batch-docs");
    if (!table) return;
    const busy = table.querySelector('tr[data-status="queued"], tr[data-status="processing"]');
    if (busy) window.setTimeout(function () { window.location.reload(); }, Gouji.setting("status_poll_ms", 3000));
  }

  async function retry(event) {
    const button = event.currentTarget;
    button.disabled = true;
    const res = await Gouji.api("POST", "/api/documents/" + button.dataset.doc + "/retry", {});
    if (!res.ok) { button.disabled = false; button.textContent = res.data.error || "retry failed"; return; }
    window.location.reload();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if ($("upload-form")) $("upload-form").addEventListener("submit", upload);
    document.querySelectorAll("button.retry").forEach(function (b) { b.addEventListener("click", retry); });
    if ($("export-form")) $("export-form").addEventListener("submit", exportApproved);
    pollBatch();
  });
})();
