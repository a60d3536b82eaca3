"""Builders for small test documents in every format the engine reads."""
from __future__ import annotations

from pathlib import Path

SAMPLE_LINES = [
    "测试县教育督导室文件",
    "测教督〔2022〕3号",
    "测试县教育督导室关于印发2022年教育督导工作要点的通知",
    "各学校：",
    "现将《2022年教育督导工作要点》印发给你们，请认真贯彻落实。",
    "测试县教育督导室",
    "2022年2月20日",
    "2022年教育督导工作要点",
    "一、加强督学队伍建设",
    "1.开展责任督学培训。组织全县责任督学参加线上培训，提升业务能力。",
    "2.落实校园食堂食品安全专项督导。对全县学校食堂开展全覆盖检查。",
]


def numbered(n: int) -> list[str]:
    """SAMPLE_LINES as another circular: the same text under 文号 测教督〔2022〕n号 (files with one
    文号 are copies of one circular, and only one of them is indexed)."""
    return [line.replace("测教督〔2022〕3号", f"测教督〔2022〕{n}号") for line in SAMPLE_LINES]


def write_pdf(path: Path, lines: list[str] | None = None) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 11)
    y = 800
    for line in lines or SAMPLE_LINES:
        if y < 60:
            c.showPage()
            c.setFont("STSong-Light", 11)
            y = 800
        c.drawString(40, y, line)
        y -= 18
    c.save()
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF with only drawings: what a scan without OCR looks like to a text extractor."""
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path))
    c.rect(50, 50, 400, 600, fill=1)
    c.save()
    return path


def write_encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter
    plain = write_pdf(path.with_name("plain-" + path.name))
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def write_docx(path: Path, lines: list[str] | None = None, table: list[list[str]] | None = None) -> Path:
    import docx
    d = docx.Document()
    for line in lines or SAMPLE_LINES:
        d.add_paragraph(line)
    if table:
        d.add_paragraph("二、月度安排")
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    d.save(str(path))
    return path


def write_html(path: Path, encoding: str = "utf-8", lines: list[str] | None = None) -> Path:
    body = "\n".join(f"<p>{line}</p>" for line in lines or SAMPLE_LINES)
    html = f"""<!doctype html><html><head><meta charset="{encoding}"><title>测试县政府网</title>
<script>var nav = "首页 新闻中心 政务公开";</script><style>.x{{color:red}}</style></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/news">新闻中心</a> | 政务公开</div>
<div class="breadcrumb">当前位置：首页 &gt; 通知公告</div>
<div id="zoom">{body}
<table><tr><td>月份</td><td>工作内容</td></tr><tr><td>3月</td><td>开展春季开学检查。</td></tr></table>
</div>
<div class="footer">版权所有：测试县人民政府 网站标识码 1234</div></body></html>"""
    path.write_bytes(html.encode(encoding))
    return path
