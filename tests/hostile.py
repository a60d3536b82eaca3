"""A folder of hostile files: each must be parsed or rejected with a reason, in bounded time and memory."""
from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

from tests.makefiles import SAMPLE_LINES, numbered, write_docx, write_encrypted_pdf, write_html, write_pdf, write_scanned_pdf

TEXT = "\n".join(SAMPLE_LINES) + "\n"


def _pdf_with_stream(path: Path, stream: bytes, declared: int | None = None, flate: bool = True,
                     font: bool = False) -> Path:
    """A hand-built one-page PDF whose content stream is `stream`, optionally lying about its
    length; with `font`, the page has a standard font /F1 for its text operators to show."""
    length = declared if declared is not None else len(stream)
    filt = b"/Filter /FlateDecode " if flate else b""
    resources = b"/Resources << /Font << /F1 5 0 R >> >> " if font else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + resources + b"/Contents 4 0 R >>",
        b"<< " + filt + b"/Length " + str(length).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ] + ([b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"] if font else [])
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def _docx_bomb(path: Path, megabytes: int = 300) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                fh.write(block)
    return path


def build(folder: Path) -> dict[str, str]:
    """Write the files; returns name → 'ok' (should be indexed) or 'reject'."""
    folder.mkdir(parents=True, exist_ok=True)
    expect = {}

    def put(name, data, outcome):
        (folder / name).write_bytes(data)
        expect[name] = outcome

    put("empty.txt", b"", "reject")
    put("random.pdf", os.urandom(50_000), "reject")
    good_pdf = write_pdf(folder / "good.pdf")
    expect["good.pdf"] = "ok"
    data = good_pdf.read_bytes()
    put("truncated.pdf", data[: len(data) // 2], "reject")
    write_encrypted_pdf(folder / "encrypted.pdf")
    expect["encrypted.pdf"] = "reject"
    write_scanned_pdf(folder / "scan.pdf")
    expect["scan.pdf"] = "reject"
    _pdf_with_stream(folder / "huge-declared.pdf", zlib.compress(b"BT ET"), declared=10**12)
    expect["huge-declared.pdf"] = "reject"
    _pdf_with_stream(folder / "inflate-bomb.pdf", zlib.compress(b" " * (200 * 1024 * 1024), 9))
    expect["inflate-bomb.pdf"] = "reject"
    _docx_bomb(folder / "bomb.docx")
    expect["bomb.docx"] = "reject"
    put("fake.docx", b"PK\x03\x04" + os.urandom(1000), "reject")
    with zipfile.ZipFile(folder / "nodoc.docx", "w") as zf:
        zf.writestr("hello.txt", "not a word file")
    expect["nodoc.docx"] = "reject"
    # billion laughs as the document body: must not be expanded
    ents = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">'
                                             for i in range(1, 10))
    laughs = (f'<?xml version="1.0"?><!DOCTYPE lolz [{ents}]>'
              '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
    plain = write_docx(folder / "plain-for-laughs.docx")
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(folder / "laughs.docx", "w") as dst:
        for item in src.infolist():
            data = laughs.encode() if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data)
    plain.unlink()
    expect["laughs.docx"] = "reject"
    put("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000), "reject")
    put("binary.txt", os.urandom(4000).replace(b"\x00", b"\x01") + b"\x00" * 64, "reject")
    put("binary.html", b"\x00\x01\x02" * 3000, "reject")
    put("latin.txt", b"hello world, no Chinese here\n" * 50, "reject")
    write_html(folder / "scripts.html", lines=numbered(10))   # another circular than good.pdf
    with open(folder / "scripts.html", "a", encoding="utf-8") as fh:
        fh.write("<script>alert('x')</script><img src=x onerror=alert(1)>")
    expect["scripts.html"] = "ok"
    # 5,000 deep took BeautifulSoup 12 s (cost grows with depth²): refused by the shape pre-scan
    put("deep.html", ("<div>" * 5000 + "<p>测试深层嵌套网页：开展督学培训。</p>" + "</div>" * 5000).encode(), "reject")
    put("nested.html", ("<div><span>" * 100 + "<p>测试嵌套网页，文号测教督〔2022〕9号：开展督学培训。</p>"
                        + "</span></div>" * 100).encode(), "ok")
    put("utf16.txt", TEXT.replace("测教督〔2022〕3号", "测教督〔2022〕4号").encode("utf-16"), "ok")
    put("utf16-nobom.txt", TEXT.replace("测教督〔2022〕3号", "测教督〔2022〕5号").encode("utf-16-le"), "ok")
    put("gbk.txt", TEXT.replace("测教督〔2022〕3号", "测教督〔2022〕6号").encode("gbk"), "ok")
    with open(folder / "huge.txt", "wb") as fh:
        line = ("开展督导检查。" * 40 + "\n").encode("utf-8")
        while fh.tell() < 30 * 1024 * 1024:
            fh.write(line * 100)
    expect["huge.txt"] = "reject"
    put("..;rm -rf ~;$(touch pwned)`id`.txt", TEXT.replace("测教督〔2022〕3号", "测教督〔2022〕7号").encode(), "ok")
    put("nul-later.txt", TEXT.replace("测教督〔2022〕3号", "测教督〔2022〕8号").encode() * 20 + b"\x00x", "ok")
    return expect
