"""The national report format: canonical cell keys, row/column labels and the 42 identities.

Everything here is static data taken from FORMAT.md (国办公开办函〔2021〕30号 and the older
〔2019〕60号 layout). Keys are stable strings such as ``t3.new.natural_person``; every other
stage refers to cells only through these keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReportFormat(StrEnum):
    F2021 = "2021"
    F2019 = "2019"


@dataclass(frozen=True)
class RowSpec:
    """One printed row of a table: its key part and the label variants that name it."""

    key: str
    labels: tuple[str, ...]


# --- Table 二 (2021 format) -------------------------------------------------------------------
T2_ROWS: tuple[RowSpec, ...] = (
    RowSpec("rules", ("规章",)),
    RowSpec("normative_docs", ("行政规范性文件", "规范性文件")),
    RowSpec("licensing", ("行政许可",)),
    RowSpec("punishment", ("行政处罚",)),
    RowSpec("enforcement", ("行政强制",)),
    RowSpec("fees", ("行政事业性收费",)),
)
T2_COLUMNS: dict[str, tuple[str, ...]] = {
    "rules": ("issued", "repealed", "in_force"),
    "normative_docs": ("issued", "repealed", "in_force"),
    "licensing": ("decisions",),
    "punishment": ("decisions",),
    "enforcement": ("decisions",),
    "fees": ("amount_wan_yuan",),
}
FEE_KEY = "t2.fees.amount_wan_yuan"

# --- Table 三 -------------------------------------------------------------------------------
T3_COLUMNS: tuple[str, ...] = (
    "natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total",
)
T3_COLUMN_LABELS: dict[str, tuple[str, ...]] = {
    "natural_person": ("自然人",),
    "commercial": ("商业企业", "商业"),
    "research": ("科研机构", "科研"),
    "social_welfare": ("社会公益组织", "社会组织", "社会公益"),
    "legal_service": ("法律服务机构", "法律服务"),
    "other": ("其他",),
    "total": ("总计",),
}
T3_ROWS: tuple[RowSpec, ...] = (
    RowSpec("new", ("一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请数量")),
    RowSpec("carried_over", ("二、上年结转政府信息公开申请数量", "上年结转政府信息公开申请数量")),
    RowSpec("disclosed", ("（一）予以公开", "予以公开")),
    RowSpec("partly_disclosed", ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开")),
    RowSpec("refused_state_secret", ("1.属于国家秘密",)),
    RowSpec("refused_law", ("2.其他法律行政法规禁止公开", "2.其他法律法规禁止公开")),
    RowSpec("refused_security", ("3.危及“三安全一稳定”", "3.危及三安全一稳定")),
    RowSpec("refused_third_party", ("4.保护第三方合法权益",)),
    RowSpec("refused_internal", ("5.属于三类内部事务信息",)),
    RowSpec("refused_process", ("6.属于四类过程性信息",)),
    RowSpec("refused_enforcement_file", ("7.属于行政执法案卷",)),
    RowSpec("refused_query", ("8.属于行政查询事项",)),
    RowSpec("unable_not_held", ("1.本机关不掌握相关政府信息",)),
    RowSpec("unable_needs_creation", ("2.没有现成信息需要另行制作",)),
    RowSpec("unable_unclear", ("3.补正后申请内容仍不明确",)),
    RowSpec("not_processed_petition", ("1.信访举报投诉类申请",)),
    RowSpec("not_processed_repeat", ("2.重复申请",)),
    RowSpec("not_processed_publication", ("3.要求提供公开出版物",)),
    RowSpec("not_processed_mass", ("4.无正当理由大量反复申请",)),
    RowSpec("not_processed_confirm", ("5.要求行政机关确认或重新出具已获取信息",)),
    RowSpec("other_no_correction", ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",)),
    RowSpec("other_no_fee", ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",)),
    RowSpec("other_other", ("3.其他",)),
    RowSpec("results_total", ("（七）总计", "总计")),
    RowSpec("carried_forward", ("四、结转下年度继续办理", "结转下年度继续办理")),
)
T3_RESULT_ROWS: tuple[str, ...] = tuple(r.key for r in T3_ROWS[2:23])
T3_OTHER_SUBROWS: tuple[str, ...] = ("other_no_correction", "other_no_fee", "other_other")
# The single （六）其他处理 row of the 2019 layout (also printed by some 2021 reports).
T3_OLD_OTHER_ROW = RowSpec("other_single", ("（六）其他处理", "其他处理"))

# --- Table 四 -------------------------------------------------------------------------------
T4_GROUPS: tuple[str, ...] = ("review", "suit_direct", "suit_after_review")
T4_COLUMNS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")

# --- Table 二, 2019 format ---------------------------------------------------------------------
T2_2019_ROWS: tuple[RowSpec, ...] = (
    RowSpec("rules", ("规章",)),
    RowSpec("normative_docs", ("规范性文件",)),
    RowSpec("licensing", ("行政许可",)),
    RowSpec("other_services", ("其他对外管理服务事项",)),
    RowSpec("punishment", ("行政处罚",)),
    RowSpec("enforcement", ("行政强制",)),
    RowSpec("fees", ("行政事业性收费",)),
    RowSpec("procurement", ("政府集中采购",)),
)
T2_2019_COLUMNS: dict[str, tuple[str, ...]] = {
    "rules": ("made", "published", "total_public"),
    "normative_docs": ("made", "published", "total_public"),
    "licensing": ("previous_items", "change", "decisions"),
    "other_services": ("previous_items", "change", "decisions"),
    "punishment": ("previous_items", "change", "decisions"),
    "enforcement": ("previous_items", "change", "decisions"),
    "fees": ("previous_items", "change"),
    "procurement": ("items", "amount_yuan"),
}
# 2019 cells that may legitimately be negative (本年增/减) or decimal (amounts).
SIGNED_KEYS_2019 = frozenset(f"t2_2019.{r}.change" for r in T2_2019_COLUMNS if "change" in T2_2019_COLUMNS[r])
DECIMAL_KEYS = frozenset({FEE_KEY, "t2_2019.procurement.amount_yuan"})


def t2_keys(fmt: ReportFormat = ReportFormat.F2021) -> list[str]:
    if fmt is ReportFormat.F2019:
        return [f"t2_2019.{r}.{c}" for r, cols in T2_2019_COLUMNS.items() for c in cols]
    return [f"t2.{r}.{c}" for r, cols in T2_COLUMNS.items() for c in cols]


def t3_keys() -> list[str]:
    return [f"t3.{row.key}.{col}" for row in T3_ROWS for col in T3_COLUMNS]


def t4_keys() -> list[str]:
    return [f"t4.{g}.{c}" for g in T4_GROUPS for c in T4_COLUMNS]


def all_keys(fmt: ReportFormat = ReportFormat.F2021) -> list[str]:
    """Every canonical key of one report, in reading order (200 for the 2021 format)."""
    return t2_keys(fmt) + t3_keys() + t4_keys()


# --- Identities -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """``sum(lhs) == sum(rhs)``; every key is a canonical cell key. ``name`` is the rule text;
    ``family`` one of ``t3_row``, ``t3_results``, ``t3_balance``, ``t4``."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    family: str

    @property
    def keys(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


def _build_identities() -> tuple[Identity, ...]:
    out: list[Identity] = []
    applicants = T3_COLUMNS[:-1]
    for row in T3_ROWS:
        out.append(Identity(
            f"t3 row {row.key}: total = sum of applicants",
            (f"t3.{row.key}.total",),
            tuple(f"t3.{row.key}.{c}" for c in applicants),
            "t3_row",
        ))
    for col in T3_COLUMNS:
        out.append(Identity(
            f"t3 col {col}: results total = sum of results",
            (f"t3.results_total.{col}",),
            tuple(f"t3.{r}.{col}" for r in T3_RESULT_ROWS),
            "t3_results",
        ))
    for col in T3_COLUMNS:
        out.append(Identity(
            f"t3 col {col}: new + carried = results + carried forward",
            (f"t3.new.{col}", f"t3.carried_over.{col}"),
            (f"t3.results_total.{col}", f"t3.carried_forward.{col}"),
            "t3_balance",
        ))
    for g in T4_GROUPS:
        out.append(Identity(
            f"t4 {g}: total = sum",
            (f"t4.{g}.total",),
            tuple(f"t4.{g}.{c}" for c in T4_COLUMNS[:-1]),
            "t4",
        ))
    return tuple(out)


IDENTITIES: tuple[Identity, ...] = _build_identities()
assert len(IDENTITIES) == 42


def identities_of(key: str) -> list[Identity]:
    """The identities a cell takes part in (0 to 3)."""
    return [i for i in IDENTITIES if key in i.keys]

# --- Table 二 sections (sub-header 第二十条第（X）项, a 信息内容 header row, then its rows) ------------
T2_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("第二十条第（一）项", ("rules", "normative_docs")),
    ("第二十条第（五）项", ("licensing",)),
    ("第二十条第（六）项", ("punishment", "enforcement")),
    ("第二十条第（八）项", ("fees",)),
)
T2_2019_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("第二十条第（一）项", ("rules", "normative_docs")),
    ("第二十条第（五）项", ("licensing", "other_services")),
    ("第二十条第（六）项", ("punishment", "enforcement")),
    ("第二十条第（八）项", ("fees",)),
    ("第二十条第（九）项", ("procurement",)),
)
T2_HEADER_LABEL = "信息内容"
