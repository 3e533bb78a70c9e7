/* Shared helpers: JSON requests with the session's CSRF token. No framework, no build step. */
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
  const response = await fetch(url, options);
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
