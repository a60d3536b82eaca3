"""Question-set evaluation: share of replies that contain every required source substring."""
from __future__ import annotations

import json
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .render import to_text
from .textnorm import to_simplified

_WS = re.compile(r"\s+")


def _flat(text: str) -> str:
    """What expected snippets are compared on: no white space, simplified, half-width."""
    return to_simplified(unicodedata.normalize("NFKC", _WS.sub("", text)))


# Reply budget in characters: a month's plan may run longer than any other reply
BUDGET = {"month": 1500}
DEFAULT_BUDGET = 800


@dataclass
class Case:
    question: str
    kind: str
    expect: list[str]
    chat: str | None = None          # cases of one chat are asked in order, as a conversation
    yes: bool | None = None          # for yes/no questions: the answer the reply must start with
    style: str = ""
    passed: bool = False
    length: int = 0
    missing: list[str] = field(default_factory=list)
    reply: str = ""


def load_cases(path: str | Path) -> list[Case]:
    cases = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        row = json.loads(line)
        answer = row.get("answer")
        cases.append(Case(row["question"], row.get("kind", "other"), list(row.get("expect", [])),
                          chat=row.get("chat"), yes=None if answer is None else answer == "yes",
                          style=row.get("style") or row.get("persona", "")))
    return cases


def check(case: Case, answer) -> Case:
    """Check the engine's answer to a case (see check_reply); a reply whose first line says the
    documents do not give what was asked (Answer.unanswered) has not answered it."""
    quoted = (answer.kind != "none" or bool(answer.citations)) and not answer.unanswered
    return check_reply(case, to_text(answer), quoted=quoted)


def check_reply(case: Case, reply: str, quoted: bool, budget: bool = True) -> Case:
    """A reply passes if it contains every expected substring (white space, traditional/simplified
    and full/half width ignored); a
    question whose answer is not in the circulars passes if the reply quotes nothing."""
    case.reply = reply
    case.length = len(reply)
    flat = _flat(reply)
    if case.kind == "none":
        case.passed = not quoted
        case.missing = [] if case.passed else ["(应回答“没有找到”)"]
        return case
    case.missing = [s for s in case.expect if _flat(s) not in flat]
    if case.yes is not None:
        said_no = reply[:1] in ("不", "没", "否")
        said_yes = not said_no and reply[:1] in ("是", "有", "对", "会", "要", "能", "可")
        if not (said_yes if case.yes else said_no):
            case.missing.append("(应先给出肯定回答)" if case.yes else "(应先给出否定回答)")
    limit = BUDGET.get(case.kind, DEFAULT_BUDGET)
    if budget and case.length > limit:
        case.missing.append(f"(回答超过 {limit} 字符)")
    case.passed = not case.missing
    return case


def evaluate(engine, path: str | Path) -> list[Case]:
    """Ask every case in file order; a case with a `chat` continues that conversation."""
    return [check(case, engine.ask(case.question, chat=case.chat and f"eval:{case.chat}"))
            for case in load_cases(path)]


def summary(cases: list[Case]) -> dict:
    kinds: dict[str, list[Case]] = {}
    styles: dict[str, list[Case]] = {}
    for c in cases:
        kinds.setdefault(c.kind, []).append(c)
        if c.style:
            styles.setdefault(c.style, []).append(c)
    lengths = [c.length for c in cases] or [0]
    return {
        "total": len(cases),
        "passed": sum(c.passed for c in cases),
        "share": sum(c.passed for c in cases) / max(len(cases), 1),
        "by_kind": {k: (sum(c.passed for c in v), len(v)) for k, v in sorted(kinds.items())},
        "by_style": {k: (sum(c.passed for c in v), len(v)) for k, v in sorted(styles.items())},
        "mean_length": statistics.mean(lengths),
        "median_length": statistics.median(lengths),
        "max_length": max(lengths),
    }


def format_report(cases: list[Case], verbose: bool = False) -> str:
    s = summary(cases)
    lines = [f"{'类别':<8}{'通过':>6}{'总数':>6}{'比例':>8}"]
    for kind, (ok, n) in s["by_kind"].items():
        lines.append(f"{kind:<10}{ok:>6}{n:>6}{ok / n:>9.1%}")
    lines.append(f"{'合计':<8}{s['passed']:>6}{s['total']:>6}{s['share']:>9.1%}")
    if s["by_style"]:
        lines.append(f"{'说法':<8}{'通过':>6}{'总数':>6}{'比例':>8}")
        for style, (ok, n) in s["by_style"].items():
            lines.append(f"{style:<10}{ok:>6}{n:>6}{ok / n:>9.1%}")
    lines.append(f"回答长度：平均 {s['mean_length']:.0f} 字符，中位数 {s['median_length']:.0f}，"
                 f"最长 {s['max_length']}")
    if verbose:
        for c in cases:
            if not c.passed:
                lines.append(f"\n✗ [{c.kind}] {c.question}\n  缺少：{c.missing}\n  回答：{c.reply[:300]}")
    return "\n".join(lines)
