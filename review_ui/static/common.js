/* Shared helpers: JSON requests with the session's CSRF token, and the page's strings (the server
   embeds them as JSON in <body data-i18n>: no English is written in the scripts). */
"use strict";

window.Gouji = window.Gouji || {};

Gouji.csrf = function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
};

/** A limit the server hands the page as data (service/settings.py ui_settings()), or ``fallback``. */
Gouji.setting = function (name, fallback) {
  const meta = document.querySelector('meta[name="gouji-settings"]');
  try { const value = JSON.parse(meta ? meta.content : "{}")[name]; return value === undefined ? fallback : value; }
  catch (e) { return fallback; }
};

Gouji.catalogue = (function () {
  try { return JSON.parse(document.body.dataset.i18n || "{}"); } catch (e) { return {}; }
})();

/** Fill ``%(name)s`` placeholders (and ``%%``) of a catalogue string. */
Gouji.format = function (text, params) {
  return String(text).replace(/%\((\w+)\)s|%%/g, function (all, name) {
    if (!name) return "%";
    const v = params ? params[name] : undefined;
    return v === undefined || v === null ? "" : String(v);
  });
};

/** The translated message ``key`` (see review_ui/messages.py), with its placeholders filled. */
Gouji.t = function (key, params) {
  const messages = Gouji.catalogue.messages || {};
  return Gouji.format(messages[key] !== undefined ? messages[key] : key, params);
};

/** The plural message ``key`` for the count ``n`` (``%(n)s`` is filled with it). */
Gouji.tn = function (key, n, params) {
  const forms = (Gouji.catalogue.plurals || {})[key] || [key, key];
  return Gouji.format(forms[n === 1 ? 0 : 1], Object.assign({ n: n }, params || {}));
};

/** A name from one of the catalogue's tables (doc_status, cell_status, sources, flags, actions, rules). */
Gouji.name = function (table, key) {
  const names = Gouji.catalogue[table] || {};
  return names[key] !== undefined ? names[key] : String(key);
};

/** fetch() JSON with the CSRF header; resolves to {status, ok, data}. */
Gouji.api = async function (method, url, body, isForm) {
  const options = { method: method, headers: { "X-CSRF-Token": Gouji.csrf(), "Accept": "application/json" },
                    credentials: "same-origin" };
  if (body !== undefined && body !== null) {
    if (isForm) {
      options.body = body;
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
  }
  let response;
  try { response = await fetch(url, options); }
  catch (e) { return { status: 0, ok: false, data: { error: Gouji.t("offline") } }; }   // server unreachable
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { status: response.status, ok: response.ok, data: data || {} };
};

Gouji.el = function (tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
};
