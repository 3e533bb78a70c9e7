/* Group verification and structure repair on the review station (REVIEW_UX.md §7, §8).
   Alt+G: groups of identical doubtful readings (a grid of crops); Enter confirms the group
   (reading groups: as read; blanks: kept empty — "Set all to 0" is the other button); N next group.
   Alt+, / Alt+. : shift the current cell's row one column left / right: the server previews it in
   printed column order (the same code that applies it), Enter applies.
   Alt+R: re-assign the current row's readings to another row (pick with the arrows, Enter applies).
   Ctrl+Z: undo the last row repair (one action; the server restores the old cells exactly).
   The group grid scrolls with ↑/↓/PgUp/PgDn when focused and never covers the page image.
   Esc closes the panel. Every write carries the CSRF token (Gouji.api); strings come from Gouji.t. */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const U = { mode: null, groups: [], at: 0, direction: null };
  const R = function () { return Gouji.review; };
  const st = function () { return R().state(); };
  const fmt = function (v) { return v === null || v === undefined ? "" : String(v); };
  const t = function (key, params) { return Gouji.t(key, params); };
  const BUTTONS = ["ux-accept", "ux-null", "ux-zero", "ux-not-printed", "ux-keep", "ux-apply", "ux-next"];
  // per kind of group (service/review/groups.py): its title, its hint and the button Enter presses
  const KINDS = {
    blank: { title: function (g) { return Gouji.tn("blank_group", g.size); }, hint: "hint_blank", enter: "ux-null" },
    reading: { title: function (g) { return Gouji.tn("reading_group", g.size, { value: g.value }); },
               hint: "hint_reading", enter: "ux-accept" },
    not_printed: { title: function (g) { return Gouji.tn("not_printed_group", g.size); },
                   hint: "hint_not_printed", enter: "ux-not-printed" },
    report_error: { title: function (g) {
      return Gouji.tn("report_error_group", g.size, { rules: (g.rules || []).map(function (r) { return Gouji.name("rules", r); }).join(t("rule_separator")) });
    }, hint: "hint_report_error", enter: "ux-keep" },
  };

  function rowOf(key) { return key.split(".").slice(0, 2).join("."); }
  /** The row's keys in printed column order (as the server lists them), never alphabetical. */
  function rowKeys(row) {
    const table = row.split(".")[0];
    const found = (st().doc.review.rows[table] || []).filter(function (r) { return r.row === row; })[0];
    return found ? found.keys : [];
  }
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
    if (!R().editable()) { R().show(t("not_editable"), "error"); return false; }
    return true;
  }

  async function loadGroups(keepAt) {
    const res = await Gouji.api("GET", "/api/documents/" + st().id + "/groups");
    if (!res.ok) { R().show(res.data.error || t("groups_failed"), "error"); return; }
    U.groups = res.data.groups || [];
    U.at = Math.min(keepAt || 0, Math.max(U.groups.length - 1, 0));
    if (!U.groups.length) { close(); R().show(t("no_groups"), "ok"); return; }
    renderGroup();
  }

  function renderGroup() {
    const g = U.groups[U.at];
    const kind = KINDS[g.kind] || KINDS.reading;
    // a report error's sums (the same for every cell of the group) are said once, after the hint
    const sums = g.kind === "report_error" && g.cells.length ? (g.cells[0].messages_shown || []).join(t("rule_separator")) : "";
    open("group", t("group_of", { title: kind.title(g), at: U.at + 1, n: U.groups.length }),
         t(kind.hint) + (sums ? " — " + sums : ""));
    const grid = $("ux-grid");
    const common = commonParts(g.cells.map(function (c) { return c.label.split(" · "); }));
    g.cells.forEach(function (c) {
      const fig = Gouji.el("figure", null, c.crop ? "" : "no-crop");
      if (c.crop) { const img = Gouji.el("img"); img.src = c.crop; img.alt = c.key; fig.appendChild(img); }
      const shown = g.kind === "not_printed" ? t("not_printed") : (c.value === null ? t("blank") : c.value);
      const caption = Gouji.el("figcaption", c.label.split(" · ").slice(common).join(" · ") + " = " + shown);
      caption.title = c.label + " = " + shown;
      fig.appendChild(caption);
      grid.appendChild(fig);
    });
    $("ux-accept").hidden = g.actions.indexOf("accept") < 0;
    $("ux-null").hidden = g.actions.indexOf("blank_null") < 0;
    $("ux-zero").hidden = g.actions.indexOf("blank_zero") < 0;
    $("ux-not-printed").hidden = g.actions.indexOf("not_printed") < 0;
    $("ux-keep").hidden = g.actions.indexOf("keep_printed") < 0;
    $("ux-next").hidden = U.groups.length < 2;
    $(kind.enter).focus();
  }

  /** How many leading label parts (table · row · column) every cell of a group shares: the caption
      shows only what tells the cells apart (the whole label stays in the tooltip). */
  function commonParts(labels) {
    if (labels.length < 2) return 0;
    let n = 0;
    while (n < labels[0].length - 1 && labels.every(function (l) { return l[n] === labels[0][n]; })) n += 1;
    return n;
  }

  async function confirmGroup(action) {
    const g = U.groups[U.at];
    const cells = g.cells.map(function (c) { return { key: c.key, version: c.version }; });
    const res = await Gouji.api("POST", "/api/documents/" + st().id + "/groups/confirm",
      { group: g.id, action: action, cells: cells });
    if (!res.ok) { R().show(res.data.error || t("not_confirmed"), "error"); await loadGroups(U.at); return; }
    R().setDoc(res.data.document);
    R().show(Gouji.tn("group_confirmed", res.data.confirmed), "ok");
    await loadGroups(U.at);
  }

  async function openShift(direction) {
    const s = st();
    if (!s.key || !editable()) return;
    const row = rowOf(s.key);
    const res = await Gouji.api("GET", "/api/documents/" + s.id + "/rows/shift/preview?row=" +
      encodeURIComponent(row) + "&direction=" + direction);
    if (!res.ok) { R().show(res.data.error || t("not_applied"), "error"); return; }
    const label = s.doc.review.labels[res.data.keys[0]].split(" · ").slice(0, 2).join(" · ");
    open("shift", t("shift_title", { row: label, direction: t(direction) }), t("shift_hint"));
    U.direction = direction;
    U.row = row;
    previewTable(res.data.keys, res.data.before, res.data.after);
    $("ux-apply").hidden = false;
    $("ux-apply").focus();
  }

  function previewTable(keys, before, after) {
    const table = $("ux-preview");
    const head = Gouji.el("tr");
    head.appendChild(Gouji.el("th", ""));
    keys.forEach(function (k) { head.appendChild(Gouji.el("th", st().doc.review.labels[k].split(" · ").pop())); });
    table.appendChild(head);
    [[t("now"), before], [t("after"), after]].forEach(function (pair) {
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
    open("move", t("move_title", { row: row }), t("move_hint"));
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
    if (!res.ok) { R().show(res.data.error || t("not_applied"), "error"); return; }
    const key = st().key;
    close();
    R().setDoc(res.data.document, res.data.document.review.order.indexOf(key) >= 0 ? key : undefined);
    R().show(Gouji.tn("row_repaired", Object.keys(res.data.versions).length), "ok");
  }

  /** Ctrl+Z: undo the newest row repair of this document (the server checks nothing changed since). */
  async function undo() {
    if (!editable()) return;
    const res = await Gouji.api("POST", "/api/documents/" + st().id + "/rows/undo", {});
    if (!res.ok) { R().show(res.data.error || t("nothing_to_undo"), "error"); return; }
    const key = st().key;
    close();
    R().setDoc(res.data.document, res.data.document.review.order.indexOf(key) >= 0 ? key : undefined);
    const row = res.data.undone.row, keys = rowKeys(row);
    R().show(t("undone", { what: keys.length ? st().doc.review.labels[keys[0]].split(" · ").slice(0, 2).join(" · ") : row }), "ok");
  }

  const GRID_KEYS = { ArrowUp: -0.25, ArrowDown: 0.25, PageUp: -0.9, PageDown: 0.9 };

  function onPanelKey(event) {
    if (U.mode === "group" && GRID_KEYS[event.key] !== undefined) {    // the grid scrolls, the page stays
      event.preventDefault(); event.stopPropagation();
      const grid = $("ux-grid");
      grid.scrollBy(0, GRID_KEYS[event.key] * grid.clientHeight);
      return;
    }
    if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (U.mode === "group" && (event.key === "n" || event.key === "N") && !event.altKey && !event.ctrlKey) {
      event.preventDefault(); U.at = (U.at + 1) % U.groups.length; renderGroup();
    } else if (U.mode === "move" && event.key === "Enter" && event.target === $("ux-target")) {
      event.preventDefault(); apply();
    }
  }

  function onGlobalKey(event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "z" || event.key === "Z")) {
      const tag = (event.target.tagName || "").toLowerCase();
      if (event.target.id === "value" && event.target.value !== fmt(st().doc.cells[st().key] && st().doc.cells[st().key].value)) return;
      if (tag === "textarea" || (tag === "input" && event.target.id !== "value")) return;   // the text field's own undo
      event.preventDefault(); undo(); return;
    }
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
    $("ux-not-printed").addEventListener("click", function () { confirmGroup("not_printed"); });
    $("ux-keep").addEventListener("click", function () { confirmGroup("keep_printed"); });
    $("ux-next").addEventListener("click", function () { U.at = (U.at + 1) % U.groups.length; renderGroup(); });
    $("ux-apply").addEventListener("click", apply);
    $("ux-close").addEventListener("click", close);
    $("ux-groups").addEventListener("click", function () { if (editable()) loadGroups(0); });
    $("ux-shift-left").addEventListener("click", function () { openShift("left"); });
    $("ux-shift-right").addEventListener("click", function () { openShift("right"); });
    $("ux-move").addEventListener("click", openMove);
    $("ux-undo").addEventListener("click", undo);
  });
})();
