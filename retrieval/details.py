"""Details a question may ask for that a passage may not give (地点, 天数, 人数, 名单, 经费, 具体日期,
电话, 数量): which one a question asks for, and whether the quoted text contains one."""
from __future__ import annotations

import re
from pathlib import Path

from .datafile import rows

_N = r"[\d一二两三四五六七八九十百千]+"
DETAILS_FILE = Path(__file__).parent / "data" / "details.txt"


# (what the reply calls it, how a question asks for it, what in a passage would give it)
DETAILS = [(name, re.compile(asks.replace("{N}", _N)), re.compile(gives.replace("{N}", _N)))
           for name, asks, gives in rows(DETAILS_FILE, 3)]


def asked_detail(question: str) -> tuple[str, re.Pattern] | None:
    """The detail a question asks for, and what would answer it; None for other questions."""
    for name, asks, gives in DETAILS:
        if asks.search(question):
            return name, gives
    return None


def missing_detail(question: str, texts: list[str]) -> str:
    """The name of the detail the question asks for when none of `texts` gives it, else ""."""
    found = asked_detail(question)
    if found is None:
        return ""
    name, gives = found
    return "" if any(gives.search(t) for t in texts) else name
