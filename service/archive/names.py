"""Agency names as printed → one normalised form and its region (province / city / county).

Pure functions, no database. The region registry (``regions.json``: the 34 provinces and 334
prefecture-level divisions, from cpca's MIT-licensed adcode table) is loaded once.

- ``normalise_name`` applies NFKC (full-width → half-width), drops every space, the year
  (``2021年``/``2021年度``), the report-title words (政府信息公开工作年度报告 …) and a ``关于…的``
  wrapper: ``"关于　淮安市洪泽区人民政府２０２１年度政府信息公开工作年度报告"`` → ``"淮安市洪泽区人民政府"``.
- ``parse_name`` splits a normalised name into ``Region`` + body: ``"淮安市洪泽区人民政府"`` →
  ``(江苏省, 淮安市, 洪泽区)`` + ``"人民政府"``. A county is recognised only right after its city (or a
  municipality), so ``"洪泽区人民政府"`` alone has county 洪泽区 and no city.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from service.model import Frozen
from service.settings import AGENCY_CONTEXT_PREFIX_CHARS

REGISTRY_FILE = Path(__file__).with_name("regions.json")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
TITLE_WORDS = (
    "政府信息公开工作年度报告", "政府信息公开年度报告", "信息公开工作年度报告", "政府信息公开工作报告",
    "政府信息公开报告", "工作年度报告", "年度报告",
)
_YEAR = re.compile(r"(19|20)\d{2}\s*年度?|[〇零一二三四五六七八九]{4}年度?")
_WRAPPER_PUNCT = "《》〈〉“”\"'「」『』()（）[]【】:：,，.。、"
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# a county-level name: 1–7 characters then 区/县/市/旗 (自治县/自治旗 end in 县/旗), no agency words
_COUNTY = re.compile(r"^([^局委办厅政府院会所部处]{1,7}?(?:自治县|自治旗|区|县|市|旗))")
_NOT_COUNTY_BODIES = ("人民政府", "政府")


class Region(Frozen):
    """Where an agency sits; every level is ``None`` when the name does not say."""

    province: str | None = None
    city: str | None = None
    county: str | None = None

    def label(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.county) if p)


class ParsedName(Frozen):
    """A normalised name split into its region prefix and the rest (``body``: 人民政府, 教育局 …)."""

    name: str
    region: Region
    body: str

    @property
    def has_city(self) -> bool:
        return self.region.city is not None

    @property
    def short(self) -> str:
        """The name without province and city: what a county body prints about itself."""
        return (self.region.county or "") + self.body


@dataclass(frozen=True)
class Registry:
    """Province and city names: ``city_province`` maps each city (full name) to its province."""

    provinces: tuple[str, ...]
    province_short: dict[str, str]
    city_province: dict[str, str]


@cache
def registry() -> Registry:
    data = json.loads(REGISTRY_FILE.read_text(encoding="utf-8"))
    provinces = tuple(p["name"] for p in data["provinces"])
    short = {}
    for name in provinces:
        stem = next((name[: -len(s)] for s in _PROVINCE_SUFFIXES if name.endswith(s)), name)
        short[stem] = name
    cities = {c["name"]: p["name"] for p in data["provinces"] for c in p["cities"]}
    for name in MUNICIPALITIES:
        cities[name] = name
    return Registry(provinces=provinces, province_short=short, city_province=cities)


def normalise_name(raw: str) -> str:
    """The comparable form of a printed agency name (see module docstring); ``""`` when nothing is left."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch.isprintable())
    text = _YEAR.sub("", text)
    for word in TITLE_WORDS:
        text = text.replace(word, "")
    text = text.strip(_WRAPPER_PUNCT)
    if text.startswith("关于"):
        text = text[2:]
    while text.endswith("的"):
        text = text[:-1]
    return text.strip(_WRAPPER_PUNCT)


def _take_province(name: str, reg: Registry) -> tuple[str | None, str]:
    for full in sorted(reg.provinces, key=len, reverse=True):
        if name.startswith(full):
            return full, name[len(full):]
    for stem, full in sorted(reg.province_short.items(), key=lambda kv: -len(kv[0])):
        if len(stem) >= 2 and name.startswith(stem) and full not in MUNICIPALITIES:
            return full, name[len(stem):]
    return None, name


def _take_city(rest: str, province: str | None, reg: Registry) -> tuple[str | None, str]:
    for city in sorted(reg.city_province, key=len, reverse=True):
        if rest.startswith(city) and (province is None or reg.city_province[city] == province):
            return city, rest[len(city):]
    return None, rest


def _take_county(rest: str) -> tuple[str | None, str]:
    if any(rest.startswith(b) for b in _NOT_COUNTY_BODIES):
        return None, rest
    match = _COUNTY.match(rest)
    if match is None or len(rest) == len(match.group(1)):
        return None, rest
    return match.group(1), rest[len(match.group(1)):]


def parse_name(raw: str) -> ParsedName:
    """Normalise ``raw`` and split off province, city (prefecture level) and county."""
    reg = registry()
    name = normalise_name(raw)
    province, rest = _take_province(name, reg)
    if province in MUNICIPALITIES:
        city: str | None = province
    else:
        city, rest = _take_city(rest, province, reg)
        if city is not None and province is None:
            province = reg.city_province[city]
    county, body = _take_county(rest)
    return ParsedName(name=name, region=Region(province=province, city=city, county=county), body=body)


def full_name_in_text(short: str, text: str) -> str | None:
    """A fuller printing of ``short`` in the report's own text: the city (and province) printed just
    before it, e.g. ``"…淮安市洪泽区人民政府…"`` for ``"洪泽区人民政府"``; ``None`` when the text never says."""
    if not short or not text:
        return None
    flat = _flat(text)
    reg = registry()
    start = flat.find(short)
    while start >= 0:
        before = flat[max(0, start - AGENCY_CONTEXT_PREFIX_CHARS):start]
        for city in sorted(reg.city_province, key=len, reverse=True):
            if before.endswith(city):
                head = before[: -len(city)]
                province = reg.city_province[city]
                prefix = province if head.endswith(province) and province != city else ""
                return prefix + city + short
        start = flat.find(short, start + 1)
    return None


def _flat(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace())
