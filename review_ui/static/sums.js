/* Live identity sums. The server sends each identity that applies to the document with its member
   keys per side and each side's constant part (old layout: the （六）其他处理 row), computed by
   service/rule_terms.py from service/validation.py; this file only adds the live values.
   An empty cell counts as 0. Decimal-safe enough for review: values are scaled to 4 places. */
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
  const add = function (keys, constant) {
    return keys.reduce(function (s, k) { return s + Gouji.toUnits(valueOf(k)); }, Gouji.toUnits(constant));
  };
  const lhs = add(identity.lhs, identity.lhs_constant);
  const rhs = add(identity.rhs, identity.rhs_constant);
  return { lhs: Gouji.fromUnits(lhs), rhs: Gouji.fromUnits(rhs), diff: Gouji.fromUnits(lhs - rhs),
           holds: Number.isFinite(lhs) && lhs === rhs };
};

/** How many of ``identities`` fail with the values ``valueOf`` gives. */
Gouji.brokenCount = function (identities, valueOf) {
  return identities.filter(function (i) { return !Gouji.identitySums(i, valueOf).holds; }).length;
};
