"""Checks across reports: a five-year series of one agency with one planted 上年结转 mismatch and one
planted 现行有效件数 gap: both found, in both reports, nothing else; re-checked when a report changes."""

from __future__ import annotations

import random

from archivefactory import add_report, series_values

from service.archive.checks import cross_violations
from service.archive.crosscheck import RULE_CARRY_FORWARD, RULE_CARRY_OVER, RULE_DUPLICATE, RULE_IN_FORCE
from service.review.review import Edit, apply_edit, reject
from service.storage.intake import create_batch
from service.storage.tables import RevisionAction

AGENCY = "淮安市洪泽区人民政府"
YEARS = range(2021, 2026)


def _series(storage, plant: bool = True) -> dict[int, int]:
    values = series_values(random.Random(7), len(YEARS))
    if plant:
        # 2023 prints 上年结转 (natural_person) one higher than 2022 carried forward, row total kept consistent
        values[2]["t3.carried_over.natural_person"] += 1
        values[2]["t3.carried_over.total"] += 1
        values[2]["t3.new.natural_person"] -= 1
        values[2]["t3.new.total"] -= 1
        # 2025 reports 3 rules in force more than 2024 + issued − repealed (t2 has no identity inside)
        values[4]["t2.rules.in_force"] += 3
    batch = create_batch(storage, "series")
    return {year: add_report(storage, batch, AGENCY, year, v) for year, v in zip(YEARS, values, strict=True)}


def _findings(storage, docs):
    return {year: [(v.rule, v.cells, v.other_document_id) for v in cross_violations(storage, doc)]
            for year, doc in docs.items()}


def test_consistent_series_has_no_findings(any_storage):
    docs = _series(any_storage, plant=False)
    assert all(not found for found in _findings(any_storage, docs).values())


def test_planted_mismatch_and_gap_found_in_both_reports_only(any_storage):
    docs = _series(any_storage)
    found = _findings(any_storage, docs)
    assert sorted(found[2023]) == sorted([
        (RULE_CARRY_OVER, ("t3.carried_over.natural_person",), docs[2022]),
        (RULE_CARRY_OVER, ("t3.carried_over.total",), docs[2022])])
    assert sorted(found[2022]) == sorted([
        (RULE_CARRY_FORWARD, ("t3.carried_forward.natural_person",), docs[2023]),
        (RULE_CARRY_FORWARD, ("t3.carried_forward.total",), docs[2023])])
    assert found[2025] == [(RULE_IN_FORCE, ("t2.rules.in_force", "t2.rules.issued", "t2.rules.repealed"),
                            docs[2024])]
    assert found[2024] == [(RULE_IN_FORCE, ("t2.rules.in_force",), docs[2025])]
    assert found[2021] == []
    gap = cross_violations(any_storage, docs[2025])[0]
    assert gap.difference == 3


def test_recheck_when_a_report_is_corrected(storage, reviewer):
    docs = _series(storage)
    version = 1
    apply_edit(storage, docs[2025], Edit("t2.rules.in_force", version, RevisionAction.CORRECT,
                                         value=_value(storage, docs[2024], "t2.rules.in_force")
                                         + _value(storage, docs[2025], "t2.rules.issued")
                                         - _value(storage, docs[2025], "t2.rules.repealed")), reviewer["id"])
    assert cross_violations(storage, docs[2025]) == []
    assert cross_violations(storage, docs[2024]) == []
    assert len(cross_violations(storage, docs[2023])) == 2


def test_same_agency_year_twice_is_a_conflict_until_one_is_rejected(storage, reviewer):
    docs = _series(storage, plant=False)
    values = series_values(random.Random(7), len(YEARS))
    again = add_report(storage, create_batch(storage, "again"), "淮安市 洪泽区人民政府", 2022, values[1])
    assert [(v.rule, v.other_document_id) for v in cross_violations(storage, again)] == [(RULE_DUPLICATE, docs[2022])]
    assert [(v.rule, v.other_document_id) for v in cross_violations(storage, docs[2022])] == [
        (RULE_DUPLICATE, again)]
    reject(storage, again, reviewer["id"], "same report scanned twice")
    assert cross_violations(storage, docs[2022]) == []


def _value(storage, doc_id, key):
    from service.review.review import load_document

    return load_document(storage, doc_id).cells[key].value


def test_concurrent_saves_of_one_new_agency(any_storage):
    import threading

    values = series_values(random.Random(3), 6)
    batch = create_batch(any_storage, "race")
    errors: list[BaseException] = []

    def save(year: int) -> None:
        try:
            add_report(any_storage, batch, "绍兴市柯桥区人民政府", year, values[year - 2020])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(y,)) for y in range(2020, 2026)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    from service.archive.admin import list_agencies

    [agency] = list_agencies(any_storage)
    assert agency["reports"] == 6
    from service.archive.checks import recheck_agency

    assert recheck_agency(any_storage, agency["id"]) == 0


def test_reprocessed_report_leaves_the_checks_until_saved_again(storage):
    from service.storage.results import requeue

    docs = _series(storage)
    assert cross_violations(storage, docs[2022])
    requeue(storage, docs[2023])
    assert cross_violations(storage, docs[2022]) == [] and cross_violations(storage, docs[2023]) == []
    assert len(cross_violations(storage, docs[2025])) == 1        # the 2024–2025 pair is untouched
