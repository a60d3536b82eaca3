"""Whether the documents asked about do not answer a question: a claim made only on evidence —
how well the best passages match it (word coverage, dense similarity, BM25), and whether a detail
it asks for appears in them — with thresholds fitted on some documents' questions and measured
on other documents' (`bench/calibrate.py`, folds by document)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .models import Citation, Hit
from .query import Query

PARAMS_FILE = Path(__file__).parent / "data" / "decline.json"


@dataclass
class Verdict:
    decline: bool
    reason: str = ""          # why, for `ask --explain`
    missing: str = ""         # what the documents lack, as the reply says it
    features: dict[str, float] = field(default_factory=dict)


def features(query: Query, hits: list[Hit]) -> dict[str, float]:
    """The evidence a decline weighs, from the best passages of the documents asked about."""
    top = hits[:8]
    return {
        "coverage": max((h.coverage for h in top), default=0.0),
        "dense": max((h.dense for h in top), default=0.0),
        "bm25": max((h.bm25 for h in top), default=0.0),
        "words": float(len(query.tokens)),
    }


def _params() -> dict:
    try:
        return json.loads(PARAMS_FILE.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


PARAMS = _params()


UNCALIBRATED = 0.35   # word coverage under which a question declines with an embedder not calibrated


def judge(query: Query, hits: list[Hit], shown: list[Citation], embedder: str = "") -> Verdict:
    """Decline only when no passage was found, or the best passages match the question worse
    than the bounds calibrated for this embedder allow on every measure at once (dense
    similarities of different models are not comparable: another model has the coverage bound)."""
    f = features(query, hits)
    if not hits:
        return Verdict(True, "检索没有找到任何段落", "", f)
    item, words = query.unheld
    if words and not query.doc_ids:
        # an item named by its kind (…专项督导) with a word no document uses, nor its synonyms
        said = "、".join(words)
        return Verdict(True, f"“{said}”不见于任何文件", f"“{item}”：文件中没有出现“{said}”。", f)
    calibrated = PARAMS.get("embedder") == embedder
    cov_min = PARAMS.get("coverage", UNCALIBRATED) if calibrated else UNCALIBRATED
    dense_min = PARAMS.get("dense", 1.0) if calibrated else 1.0
    if query.tokens and f["coverage"] < cov_min and f["dense"] < dense_min:
        return Verdict(True, f"最佳段落覆盖 {f['coverage']:.2f} < {cov_min}，相似度 {f['dense']:.3f} < {dense_min}",
                       "", f)
    return Verdict(False, "", "", f)
