/* The page beside the cell: the page image with every cell's box, the current cell's box
   highlighted and scrolled into view. Keys: PgUp/PgDn previous/next page; + / − zoom (in the value
   box: + and Alt+−); arrow keys pan (in the value box: ↑/↓ only, ←/→ keep moving the caret).
   A cell with no printed cell (no bbox): pick its page with PgUp/PgDn, then draw its box with the
   mouse; the box is saved (POST …/cells/<key>/box) so the crop and the value are recorded.
   Coordinates: bbox in page-image pixels (the PNG is rendered at the document's DPI). */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const V = { page: 1, zoom: 1, key: null, drag: null };
  const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];
  const PAN_PX = 120;
  const R = function () { return Gouji.review; };
  const doc = function () { return R().state().doc; };

  function show(key) {
    V.key = key;
    const d = doc();
    const c = key ? d.cells[key] : null;
    const order = d.review.order || [];
    const firstFlag = order.length ? d.cells[order[0]] : null;
    V.page = (c && c.page) || (firstFlag && firstFlag.page) || V.page || 1;
    render();
  }

  function pages() { return (doc().source && doc().source.pages) || 1; }

  function render() {
    const img = $("page-img");
    const src = "/api/documents/" + R().state().id + "/pages/" + V.page + ".png";
    $("page-label").textContent = Gouji.t("page_of", { page: V.page, pages: pages() });
    $("page-canvas").style.width = (100 * V.zoom) + "%";
    const c = V.key ? doc().cells[V.key] : null;
    $("overlay").classList.toggle("drawing", Boolean(c && !c.bbox && R().editable()));
    if (img.getAttribute("src") !== src) {                 // the old page's boxes go at once
      $("overlay").querySelectorAll(".box").forEach(function (b) { b.remove(); });
      img.onload = drawBoxes; img.src = src;
    }
    else if (img.complete) { drawBoxes(); }
  }

  function place(node, bbox, w, h) {
    node.style.left = (100 * bbox[0] / w) + "%";
    node.style.top = (100 * bbox[1] / h) + "%";
    node.style.width = (100 * (bbox[2] - bbox[0]) / w) + "%";
    node.style.height = (100 * (bbox[3] - bbox[1]) / h) + "%";
  }

  function drawBoxes() {
    const img = $("page-img");
    const overlay = $("overlay");
    overlay.querySelectorAll(".box").forEach(function (b) { b.remove(); });
    const w = img.naturalWidth, h = img.naturalHeight;
    if (!w || !h) return;
    const cells = doc().cells;
    Object.keys(cells).forEach(function (key) {
      const c = cells[key];
      if (c.page !== V.page || !c.bbox) return;
      const box = Gouji.el("div", null, "box " + c.status + (key === V.key ? " current" : ""));
      place(box, c.bbox, w, h);
      box.title = key + " = " + (c.value === null ? "" : c.value);
      box.addEventListener("click", function () { if (!overlay.classList.contains("drawing")) R().select(key); });
      overlay.appendChild(box);
      if (key === V.key) box.scrollIntoView({ block: "center", inline: "center" });
    });
  }

  function turn(step) {
    const next = Math.min(pages(), Math.max(1, V.page + step));
    if (next !== V.page) { V.page = next; render(); }
  }

  function zoom(step) {
    const at = ZOOMS.indexOf(V.zoom);
    V.zoom = ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, (at < 0 ? 2 : at) + step))];
    render();
  }

  function pan(dx, dy) { $("page-wrap").scrollBy(dx * PAN_PX, dy * PAN_PX); }

  function onKey(event) {
    const target = event.target;
    const tag = (target.tagName || "").toLowerCase();
    const inValue = target.id === "value";
    const inText = ["input", "textarea", "select"].indexOf(tag) >= 0 && !inValue;
    if (inText || event.ctrlKey || event.metaKey || (target.closest && target.closest("#ux-panel"))) return;
    const k = event.key;
    let done = true;
    if (k === "PageUp") turn(-1);
    else if (k === "PageDown") turn(1);
    else if (k === "+" || (k === "=" && !inValue)) zoom(1);
    else if ((k === "-" || k === "−") && (!inValue || event.altKey)) zoom(-1);
    else if (k === "ArrowUp" && !event.altKey) pan(0, -1);
    else if (k === "ArrowDown" && !event.altKey) pan(0, 1);
    else if (k === "ArrowLeft" && !inValue && !event.altKey) pan(-1, 0);
    else if (k === "ArrowRight" && !inValue && !event.altKey) pan(1, 0);
    else done = false;
    if (done) event.preventDefault();
  }

  /** Mouse drawing of a missing cell's box, in page-image pixels. */
  function point(event) {
    const img = $("page-img");
    const rect = img.getBoundingClientRect();
    return [(event.clientX - rect.left) * img.naturalWidth / rect.width,
            (event.clientY - rect.top) * img.naturalHeight / rect.height];
  }

  function startDraw(event) {
    if (!$("overlay").classList.contains("drawing") || event.button !== 0) return;
    event.preventDefault();
    V.drag = { from: point(event), node: Gouji.el("div", null, "box drawn") };
    $("overlay").appendChild(V.drag.node);
  }

  function moveDraw(event) {
    if (!V.drag) return;
    const img = $("page-img");
    const to = point(event), from = V.drag.from;
    V.drag.box = [Math.min(from[0], to[0]), Math.min(from[1], to[1]), Math.max(from[0], to[0]), Math.max(from[1], to[1])];
    place(V.drag.node, V.drag.box, img.naturalWidth, img.naturalHeight);
  }

  async function endDraw() {
    const drag = V.drag;
    V.drag = null;
    if (!drag || !drag.box || drag.box[2] - drag.box[0] < 4 || drag.box[3] - drag.box[1] < 4) { render(); return; }
    const key = V.key, c = doc().cells[key];
    const res = await Gouji.api("POST", R().cellUrl("/box", key),
      { page: V.page, bbox: drag.box.map(Math.round), expected_version: c.version });
    if (!res.ok) { R().show(res.data.error || Gouji.t("not_saved"), "error"); render(); return; }
    R().setDoc(res.data.document, key);
  }

  Gouji.pageview = { show: show, state: function () { return V; } };

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", onKey);
    $("overlay").addEventListener("mousedown", startDraw);
    document.addEventListener("mousemove", moveDraw);
    document.addEventListener("mouseup", endDraw);
  });
})();
