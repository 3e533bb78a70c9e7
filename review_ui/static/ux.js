/* Group verification and structure repair on the review station (REVIEW_UX.md §7, §8).
   Alt+G: groups of identical doubtful readings (a grid of crops); Enter confirms the group
   (reading groups: as read; blanks: kept empty — "Set all to 0" is the other button); N next group.
   Alt+, / Alt+. : shift the current cell's row one column left / right (preview, Enter applies).
   Alt+R: re-assign the current row's readings to another row (pick with the arrows, Enter applies).
   Esc closes the panel. Every write carries the CSRF token (Gouji.api). */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const U = { mode: null, groups: [], at: 0, direction: null };
  const R = function () { return Gouji.review; };
  const st = function () { return R().state(); };
  const fmt = function (v) { return v === null || v === undefined ? "" : String(v); };
  const BUTTONS = ["ux-accept", "ux-null", "ux-zero", "ux-apply", "ux-next"];

  function rowOf(key) { return key.split(".").slice(0, 2).join("."); }
  function rowKeys(row) { return Object.keys(st().doc.cells).filter(function (k) { return rowOf(k) === row; }); }
  function versions(rows) {
    const out = {};
    rows.forEach(function (row) { rowKeys(row).forEach(function (k) { out[k] = st().doc.cells[k].version; }); });
    return out;
  }

  function open(mode, title, hint) {
    U.mode = mode;
    $("ux-panel").hidden = false;
    $("ux-title").textContent = title;
    $("ux-hint").textContent = hint;
    $("ux-grid").replaceChildren();
    $("ux-preview").replaceChildren();
    $("ux-target").hidden = $("ux-target-label").hidden = mode !== "move";
    BUTTONS.forEach(function (id) { $(id).hidden = true; });
  }

  function close() {
    U.mode = null;
    $("ux-panel").hidden = true;
    const value = $("value");
    if (!value.disabled) value.focus();
  }

  function editable() {
    const s = st();
    if (!s.doc || s.doc.review.status !== "review" || s.lockedBy) { R().show("this document cannot be edited now", "error"); return false; }
    return true;
  }

  async function loadGroups(keepAt) {
    const res = await Gouji.api("GET", "/api/documents/" + st().id + "/groups");
    if (!res.ok) { R().show(res.data.error || "cannot load groups", "error"); return; }
    U.groups = res.data.groups || [];
    U.at = Math.min(keepAt || 0, Math.max(U.groups.length - 1, 0));
    if (!U.groups.length) { close(); R().show("no groups of identical doubtful readings left", "ok"); return; }
    renderGroup();
  }

  function renderGroup() {
    const g = U.groups[U.at];
    open("group", g.title + " — group " + (U.at + 1) + " of " + U.groups.length,
         g.kind === "blank" ? "Enter: confirm blank as empty (null) · Set all to 0 is the other button · N next · Esc close"
                            : "Look at every crop. Enter: confirm all as read · N next group · Esc close");
    const grid = $("ux-grid");
    g.cells.forEach(function (c) {
      const fig = Gouji.el("figure");
      if (c.crop) { const img = Gouji.el("img"); img.src = c.crop; img.alt = c.key; fig.appendChild(img); }
      fig.appendChild(Gouji.el("figcaption", c.label + " = " + (c.value === null ? "(blank)" : c.value)));
      grid.appendChild(fig);
    });
    $("ux-accept").hidden = g.actions.indexOf("accept") < 0;
    $("ux-null").hidden = g.actions.indexOf("blank_null") < 0;
    $("ux-zero").hidden = g.actions.indexOf("blank_zero") < 0;
    $("ux-next").hidden = U.groups.length < 2;
    $(g.kind === "blank" ? "ux-null" : "ux-accept").focus();
  }

  async function confirmGroup(action) {
    const g = U.groups[U.at];
    const cells = g.cells.map(function (c) { return { key: c.key, version: c.version }; });
    const res = await Gouji.api("POST", "/api/documents/" + st().id + "/groups/confirm",
      { group: g.id, action: action, cells: cells });
    if (!res.ok) { R().show(res.data.error || "not confirmed", "error"); await loadGroups(U.at); return; }
    R().setDoc(res.data.document);
    R().show("group confirmed: " + res.data.confirmed + " cells", "ok");
    await loadGroups(U.at);
  }

  function openShift(direction) {
    const s = st();
    if (!s.key || !editable()) return;
    const row = rowOf(s.key), keys = rowKeys(row), step = direction === "left" ? -1 : 1;
    open("shift", "Shift " + s.doc.review.labels[keys[0]].split(" · ").slice(0, 2).join(" · ") + " one column " + direction,
         "Enter applies (one revision per cell, then the rules re-run) · Esc cancels");
    U.direction = direction;
    U.row = row;
    const before = keys.map(function (k) { return s.doc.cells[k].value; });
    const after = keys.map(function (k, i) { const j = i - step; return j >= 0 && j < keys.length ? before[j] : null; });
    previewTable(keys, before, after);
    $("ux-apply").hidden = false;
    $("ux-apply").focus();
  }

  function previewTable(keys, before, after) {
    const table = $("ux-preview");
    const head = Gouji.el("tr");
    head.appendChild(Gouji.el("th", ""));
    keys.forEach(function (k) { head.appendChild(Gouji.el("th", k.split(".")[2])); });
    table.appendChild(head);
    [["now", before], ["after", after]].forEach(function (pair) {
      const tr = Gouji.el("tr");
      tr.appendChild(Gouji.el("th", pair[0]));
      pair[1].forEach(function (v, i) { tr.appendChild(Gouji.el("td", fmt(v) || "∅", before[i] !== after[i] ? "changed" : "")); });
      table.appendChild(tr);
    });
  }

  function openMove() {
    const s = st();
    if (!s.key || !editable()) return;
    const row = rowOf(s.key), table = row.split(".")[0];
    open("move", "Re-assign the readings of " + row + " to another row (the two rows swap)",
         "↑/↓ choose the row · Enter applies · Esc cancels");
    U.row = row;
    const select = $("ux-target");
    select.replaceChildren();
    (s.doc.review.rows[table] || []).forEach(function (r) {
      if (r.row === row) return;
      const option = Gouji.el("option", r.label + "  (" + r.row + ")");
      option.value = r.row;
      select.appendChild(option);
    });
    $("ux-apply").hidden = false;
    select.focus();
  }

  async function apply() {
    let res;
    if (U.mode === "shift") {
      res = await Gouji.api("POST", "/api/documents/" + st().id + "/rows/shift",
        { row: U.row, direction: U.direction, expected_versions: versions([U.row]) });
    } else if (U.mode === "move") {
      const target = $("ux-target").value;
      res = await Gouji.api("POST", "/api/documents/" + st().id + "/rows/move",
        { row: U.row, to: target, expected_versions: versions([U.row, target]) });
    } else { return; }
    if (!res.ok) { R().show(res.data.error || "not applied", "error"); return; }
    const key = st().key;
    close();
    R().setDoc(res.data.document, res.data.document.review.order.indexOf(key) >= 0 ? key : undefined);
    R().show("row repaired: " + Object.keys(res.data.versions).length + " cells changed, rules re-checked", "ok");
  }

  function onPanelKey(event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (U.mode === "group" && (event.key === "n" || event.key === "N") && !event.altKey && !event.ctrlKey) {
      event.preventDefault(); U.at = (U.at + 1) % U.groups.length; renderGroup();
    } else if (U.mode === "move" && event.key === "Enter" && event.target === $("ux-target")) {
      event.preventDefault(); apply();
    }
  }

  function onGlobalKey(event) {
    if (!event.altKey || event.ctrlKey) return;
    if (event.key === "g" || event.key === "G") { event.preventDefault(); if (editable()) loadGroups(0); }
    else if (event.code === "Comma") { event.preventDefault(); openShift("left"); }
    else if (event.code === "Period") { event.preventDefault(); openShift("right"); }
    else if (event.key === "r" || event.key === "R") { event.preventDefault(); openMove(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", onGlobalKey);
    $("ux-panel").addEventListener("keydown", onPanelKey);
    $("ux-accept").addEventListener("click", function () { confirmGroup("accept"); });
    $("ux-null").addEventListener("click", function () { confirmGroup("blank_null"); });
    $("ux-zero").addEventListener("click", function () { confirmGroup("blank_zero"); });
    $("ux-next").addEventListener("click", function () { U.at = (U.at + 1) % U.groups.length; renderGroup(); });
    $("ux-apply").addEventListener("click", apply);
    $("ux-close").addEventListener("click", close);
    $("ux-groups").addEventListener("click", function () { if (editable()) loadGroups(0); });
    $("ux-shift-left").addEventListener("click", function () { openShift("left"); });
    $("ux-shift-right").addEventListener("click", function () { openShift("right"); });
    $("ux-move").addEventListener("click", openMove);
  });
})();
