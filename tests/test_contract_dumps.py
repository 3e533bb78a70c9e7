"""``service.contract.dumps`` writes exactly what ``json.dumps(…, ensure_ascii=False, indent=1)``
writes (the contract files must stay byte-identical), only faster."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import IntEnum, StrEnum
from pathlib import Path

import pytest

from service.contract import dumps


class _Mode(StrEnum):
    TEXT = "text"


class _Level(IntEnum):
    TWO = 2


ODD = [{}, [], (), {"a": []}, [1.5, float("nan"), float("inf"), float("-inf"), -0.0, 1e100, 0.1 + 0.2],
       [True, False, None, 0, -7, 10**30], "é\"\\\n\x01\u2028中文", {"x": {"y": [{}, [[]], ({},)]}},
       [_Mode.TEXT, _Level.TWO], {"k": _Mode.TEXT}, {"a": {1: [2, {"b": None}], _Mode.TEXT: 3}}, {None: 1, 2.5: 2}]


@pytest.mark.parametrize("value", ODD, ids=range(len(ODD)))
def test_dumps_equals_the_standard_library(value: object) -> None:
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_golden_contracts_round_trip_byte_for_byte() -> None:
    for golden in sorted((Path(__file__).parent / "golden").glob("*.contract.json")):
        text = golden.read_text(encoding="utf-8")
        assert dumps(json.loads(text)) + "\n" == text, golden.name


@pytest.mark.parametrize("value", [{"a": Decimal(1)}, {(1, 2): 3}, [object()]])
def test_what_json_refuses_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        dumps(value)
