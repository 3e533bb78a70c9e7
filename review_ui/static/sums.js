/* Live identity sums: the same arithmetic as service.validation (an empty cell counts as 0).
   Decimal-safe enough for review: values are scaled to 4 decimal places before adding. */
"use strict";

window.Gouji = window.Gouji || {};

Gouji.SCALE = 10000;

Gouji.toUnits = function (value) {
  if (value === null || value === undefined || value === "") return 0;
  const n = Number(String(value).replace(/,/g, ""));
  return Number.isFinite(n) ? Math.round(n * Gouji.SCALE) : NaN;
};

Gouji.fromUnits = function (units) {
  if (!Number.isFinite(units)) return "?";
  const v = units / Gouji.SCALE;
  return Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/0+$/, "");
};

/** {lhs, rhs, diff} (display strings) and holds (bool) for one identity, given key → value. */
Gouji.identitySums = function (identity, valueOf) {
  const add = function (keys) { return keys.reduce(function (s, k) { return s + Gouji.toUnits(valueOf(k)); }, 0); };
  const lhs = add(identity.lhs);
  const rhs = add(identity.rhs);
  return { lhs: Gouji.fromUnits(lhs), rhs: Gouji.fromUnits(rhs), diff: Gouji.fromUnits(lhs - rhs),
           holds: Number.isFinite(lhs) && lhs === rhs };
};
