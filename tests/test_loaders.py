"""Every supported format is read; every unreadable file is rejected with a reason naming it."""
from __future__ import annotations

import pytest

from tests.makefiles import (SAMPLE_LINES, write_docx, write_encrypted_pdf, write_html, write_pdf,
                       write_scanned_pdf)
from retrieval.errors import UnreadableFileError
from retrieval.indexer import load_document
from retrieval.loaders import read_file

TEXT = "\n".join(SAMPLE_LINES) + "\n"


def test_utf8_text(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(TEXT, encoding="utf-8")
    text, fmt, _ = read_file(p)
    assert fmt == "txt" and "测教督〔2022〕3号" in text


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_other_encodings_detected(tmp_path, encoding):
    p = tmp_path / "b.txt"
    p.write_bytes(TEXT.encode(encoding))
    text, _, _ = read_file(p)
    assert "落实校园食堂食品安全专项督导" in text


def test_markdown(tmp_path):
    p = tmp_path / "c.md"
    p.write_text("# 测试县教育督导室文件\n\n" + TEXT, encoding="utf-8")
    doc = load_document(p)
    assert doc.fmt == "md" and doc.doc_number == "测教督〔2022〕3号"


def test_pdf_text_layer(tmp_path):
    doc = load_document(write_pdf(tmp_path / "d.pdf"))
    assert doc.fmt == "pdf"
    assert doc.doc_number == "测教督〔2022〕3号"
    assert doc.issuer == "测试县教育督导室"
    assert doc.date == "2022-02-20"


def test_docx_paragraphs_and_table_rows(tmp_path):
    p = write_docx(tmp_path / "e.docx", table=[["时间", "工作内容"], ["3月", "开展春季开学检查。"],
                                               ["9月", "开展秋季开学检查。"]])
    text, fmt, _ = read_file(p)
    assert fmt == "docx"
    assert "测教督〔2022〕3号" in text
    # a table row stays one line, its cells separated by tabs
    assert "3月\t开展春季开学检查。" in text.splitlines()


def test_html_strips_navigation_and_scripts(tmp_path):
    text, fmt, _ = read_file(write_html(tmp_path / "f.html"))
    assert fmt == "html"
    assert "落实校园食堂食品安全专项督导" in text
    for noise in ("新闻中心", "当前位置", "版权所有", "var nav"):
        assert noise not in text
    assert "3月\t开展春季开学检查。" in text


def test_gbk_html(tmp_path):
    text, _, _ = read_file(write_html(tmp_path / "g.html", encoding="gbk"))
    assert "开展责任督学培训" in text


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "文件为空"),
    ("blank.txt", b"   \n\n  ", "没有可识别的中文"),
    ("binary.pdf", bytes(range(256)) * 20, "不是有效的 PDF"),
    ("fake.docx", b"PK\x03\x04 not really a zip", "DOCX"),
    ("binary.txt", b"\x00\x01\x02\x03" * 100, "二进制"),
    ("old.doc", b"\xd0\xcf\x11\xe0 old word", ".doc"),
    ("latin.txt", b"\x80\x80abc\xff" * 50, "编码"),
    ("pic.png", b"\x89PNG\r\n", "图片中的文字无法读取"),  # a refused format says what to send instead
], ids=lambda v: v if isinstance(v, str) and "." in v else "")
def test_bad_files_rejected_with_reason(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(UnreadableFileError) as info:
        read_file(p)
    assert reason in info.value.reason
    assert name in str(info.value)


def test_scanned_pdf_rejected(tmp_path):
    with pytest.raises(UnreadableFileError, match="没有文字层"):
        read_file(write_scanned_pdf(tmp_path / "scan.pdf"))


def test_encrypted_pdf_rejected(tmp_path):
    with pytest.raises(UnreadableFileError, match="加密"):
        read_file(write_encrypted_pdf(tmp_path / "locked.pdf"))
