"""The same circular twice (its PDF and its DOCX, or a new version with the same 文号): indexed
once, replaced only when the admin confirms, and reported."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.makefiles import SAMPLE_LINES, write_docx
from retrieval.chunker import chunk_document
from retrieval.config import load_config
from retrieval.corpus import SameDocumentError, add_file
from retrieval.embedders import SentenceTransformerEmbedder
from retrieval.engine import Engine
from retrieval.indexer import load_document
from retrieval.schedule_reader import extract_schedule

MONTHS = [["时间", "工作主要内容"], ["三月", "开展春季开学工作调研。"], ["四月", "对幼儿园办园行为开展督导评估。"],
          ["九月", "开展秋季开学工作调研。"]]


def write_pdf_with_table(path: Path, rows=MONTHS) -> Path:
    """The same circular as write_docx(table=rows), laid out by reportlab with a real table."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("s", fontName="STSong-Light", fontSize=11, leading=16)
    story = [Paragraph(line, style) for line in SAMPLE_LINES]
    story += [Paragraph("二、月度安排", style), Table(rows, style=[("FONT", (0, 0), (-1, -1), "STSong-Light", 11)])]
    SimpleDocTemplate(str(path)).build(story)
    return path


def entries(path: Path):
    d = load_document(path)
    return [(e.when_text, e.months, e.activity) for e in extract_schedule(d, chunk_document(d))]


def test_pdf_table_and_docx_table_give_the_same_schedule(tmp_path):
    pdf = entries(write_pdf_with_table(tmp_path / "plan.pdf"))
    docx = entries(write_docx(tmp_path / "plan.docx", table=MONTHS))
    assert pdf == docx == [("三月", [3], "开展春季开学工作调研。"), ("四月", [4], "对幼儿园办园行为开展督导评估。"),
                           ("九月", [9], "开展秋季开学工作调研。")]


@pytest.fixture
def small_engine(tmp_path, tiny_st_model) -> Engine:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_docx(corpus / "plan.docx", table=MONTHS)
    cfg = load_config(corpus_dir=corpus, index_dir=tmp_path / "index", telegram_token="")
    return Engine(cfg, embedder=SentenceTransformerEmbedder(str(tiny_st_model))).open()


def test_second_copy_is_reported_not_indexed(small_engine, tmp_path):
    pdf = write_pdf_with_table(tmp_path / "plan.pdf")
    before = sorted(p.name for p in small_engine.config.corpus_dir.iterdir())
    with pytest.raises(SameDocumentError) as err:
        add_file(small_engine, pdf, "plan.pdf")
    assert "plan.docx" in err.value.reason and "测教督〔2022〕3号" in err.value.reason
    assert sorted(p.name for p in small_engine.config.corpus_dir.iterdir()) == before
    assert len(small_engine.documents()) == 1


def test_an_upload_is_read_once(small_engine, tmp_path, monkeypatch):
    """An upload's parse is the one the reindex indexes: a hostile file costs its budget once."""
    import retrieval.indexer as indexer
    reads = []
    real = indexer.read_file
    monkeypatch.setattr(indexer, "read_file", lambda path: reads.append(Path(path).suffix) or real(path))
    new = tmp_path / "other.docx"
    write_docx(new, lines=["关于印发2023年教育督导工作要点的通知", "测教督〔2023〕1号", "一、开展春季开学督导。"])
    result = add_file(small_engine, new, "other.docx")
    assert reads == [".docx"], reads
    assert result.chunks >= 1 and len(small_engine.documents()) == 2


def test_cli_add_of_a_second_copy_names_replace(small_engine, tmp_path, tiny_st_model):
    import os
    import subprocess
    import sys
    pdf = write_pdf_with_table(tmp_path / "plan.pdf")
    cfg = small_engine.config
    out = subprocess.run([sys.executable, "bot.py", "add", str(pdf), "--corpus", str(cfg.corpus_dir),
                          "--index", str(cfg.index_dir)], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, DUDAO_EMBEDDER=f"st:{tiny_st_model}"))
    assert out.returncode == 1 and "同一份文件" in out.stderr and "--replace" in out.stderr


def test_confirmed_copy_replaces_the_old_one(small_engine, tmp_path):
    pdf = write_pdf_with_table(tmp_path / "plan.pdf")
    result = add_file(small_engine, pdf, "plan.pdf", replace=True)
    corpus = small_engine.config.corpus_dir
    assert [d.fmt for d in small_engine.documents()] == ["pdf"]
    assert (corpus / ".removed" / "plan.docx").exists() and result.schedule == 3


def test_reindex_keeps_the_first_copy_and_says_which(small_engine, tmp_path):
    corpus = small_engine.config.corpus_dir
    later = write_pdf_with_table(corpus / "plan-copy.pdf")
    os.utime(later, (time.time() + 60, time.time() + 60))
    report = small_engine.reindex()
    assert report.documents == 1 and [d.path for d in small_engine.documents()] == ["plan.docx"]
    [(name, reason)] = report.rejected
    assert name == "plan-copy.pdf" and "plan.docx" in reason and "同一份文件" in reason


def test_uploads_left_waiting_for_a_decision_are_dropped_at_start(tmp_path):
    from types import SimpleNamespace

    from tgbot import handlers as bot
    pending = tmp_path / "corpus" / bot.PENDING
    pending.mkdir(parents=True)
    (pending / "abc.docx").write_bytes(b"waiting")
    bot.DudaoBot(SimpleNamespace(config=SimpleNamespace(corpus_dir=tmp_path / "corpus")), frozenset())
    assert not pending.exists() and (tmp_path / "corpus").exists()


def test_an_index_parsed_by_older_rules_is_brought_up_to_date_on_open(small_engine):
    import json

    from retrieval import store
    from retrieval.indexer import PARSER_VERSION
    manifest = store.current_build(small_engine.config.index_dir) / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["parser"] = PARSER_VERSION - 1
    manifest.write_text(json.dumps(data), "utf-8")
    told = []
    eng = Engine(small_engine.config, embedder=small_engine.embedder).open(notify=told.append)
    assert eng.state.built.manifest.parser == PARSER_VERSION and told
    assert eng.last_report.embedded == 0          # only the parse is redone, not the vectors


def test_an_older_index_that_cannot_be_updated_still_serves(small_engine, monkeypatch):
    """A full disk when the update to new parsing rules is written: the old build answers (the
    bot starts), and the reason is told."""
    import json

    from retrieval import store
    from retrieval.indexer import PARSER_VERSION
    manifest = store.current_build(small_engine.config.index_dir) / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["parser"] = PARSER_VERSION - 1
    manifest.write_text(json.dumps(data), "utf-8")
    monkeypatch.setenv("DUDAO_FAULT", "enospc:write")
    told = []
    eng = Engine(small_engine.config, embedder=small_engine.embedder).open(notify=told.append)
    assert eng.state.built.manifest.parser == PARSER_VERSION - 1
    assert any("磁盘空间不足" in t for t in told)
    assert eng.ask("测试县四月做什么").citations


# no title and no 文号 (a page copied without its heading): only its words say it is the same
NOTICE = ("各学校：\n\n一、检查时间\n\n3月10日前各校完成自查，"
          "3月15日至20日县督导组实地检查。\n\n二、工作要求\n\n各校要认真对照检查内容逐项落实，按时上报自查报告。\n")


def _twin(text: str) -> bytes:
    """The same notice as another admin might save it: GB18030, full-width digits, other spacing."""
    wide = text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return wide.replace("\n\n", "\n \n\n").replace("，", "， ").encode("gb18030")


def test_a_copy_in_another_encoding_width_and_spacing_is_the_same_document(small_engine, tmp_path):
    corpus = small_engine.config.corpus_dir
    (corpus / "notice.txt").write_text(NOTICE, "utf-8")
    small_engine.reindex()
    twin = tmp_path / "notice-gbk.txt"
    twin.write_bytes(_twin(NOTICE))
    with pytest.raises(SameDocumentError) as err:
        add_file(small_engine, twin, "notice-gbk.txt")
    assert "notice.txt" in err.value.reason and "文字相同" in err.value.reason
    # copied in by hand: the reindex keeps the first and says why it skipped the other
    (corpus / "notice-copy.txt").write_bytes(_twin(NOTICE))
    report = small_engine.reindex()
    assert ("notice-copy.txt" in dict(report.rejected)) and "文字相同" in dict(report.rejected)["notice-copy.txt"]
    assert sorted(d.path for d in small_engine.documents()) == ["notice.txt", "plan.docx"]
