"""Values a yes/no question asserts (聘期是五年吗, 按1比10配备的吗, 是不是2021年就…) and whether the
passage that answers it says the same value or another of the same kind: "是" only on evidence."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .textnorm import SENTENCE, normalize
from .timeexpr import YEARS, cn_number

_NUM = r"(\d{1,3}(?:\.\d+)?|[一二两三四五六七八九十]{1,3})"
# a count and what it counts; a four-digit year; a ratio (1:5, 1比10)
RE_COUNT = re.compile(_NUM + r"\s*(个月|年|周|天|日|小时|学时|课时|所|名|人|次|倍|%|％|项|批|个)(?![\d])")
RE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
RE_RATIO = re.compile(r"(?<!\d)(\d{1,2})\s*(?:比|:|：)\s*(\d{1,3})(?!\d)")


@dataclass(frozen=True)
class Value:
    unit: str
    amount: str
    text: str          # as written


def _amount(s: str) -> str:
    n = cn_number(s) if not re.fullmatch(r"\d+\.\d+", s) else None
    if s == "两":
        n = 2
    return str(n) if n is not None else s


def values(text: str) -> list[Value]:
    """The years, ratios and counts a text writes."""
    out, taken = [], []
    for m in RE_RATIO.finditer(text):
        out.append(Value("比", f"{int(m.group(1))}:{int(m.group(2))}", m.group(0)))
        taken.append(m.span())
    for m in RE_YEAR.finditer(text):
        if int(m.group(1)) in YEARS:
            out.append(Value("年份", m.group(1), m.group(0)))
            taken.append(m.span())
    for m in RE_COUNT.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        unit = {"％": "%", "日": "天"}.get(m.group(2), m.group(2))
        out.append(Value(unit, _amount(m.group(1)), m.group(0)))
    return out


def check(question: str, passage: str, tokens: list[str]) -> tuple[str, list[Value]]:
    """("yes", []) when the passage's sentences about the question say every value it asserts;
    ("no", what they say instead) when they give another value of that kind and never the one
    asserted; ("", []) when the question asserts none or the passage says nothing of that kind."""
    claimed = values(normalize(question))
    if not claimed:
        return "", []
    about = [s for s in SENTENCE.findall(passage) if any(t in normalize(s) for t in tokens)] or [passage]
    said = [v for s in about for v in values(normalize(s))]
    instead: list[Value] = []
    for c in claimed:
        same_kind = [v for v in said if v.unit == c.unit]
        if any(v.amount == c.amount for v in same_kind):
            continue
        if not same_kind:
            return "", []
        instead.extend(v for v in same_kind if v not in instead)
    return ("no", instead) if instead else ("yes", [])
