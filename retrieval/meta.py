"""Official-document metadata: 发文机关, 文号, dates, title, region and its aliases."""
from __future__ import annotations

import re

from .models import Document
from .structure import heading_level, split_lines
from .textnorm import clean, width

RE_DOCNO = re.compile(r"([\u4e00-\u9fa5]{1,12}\s*[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*\d{1,4}\s*号)")
RE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
RE_NOTICE = re.compile(r"关于.*(通知|决定|意见|办法|报告)$")
RE_PLAN_TITLE = re.compile(r"\d{4}\s*年.*(工作要点|工作计划|工作安排)$")
RE_ORG_WORDS = re.compile(r"(人民政府|人民政府办公室|政府|教育督导|教育局|教育委员会|教育体育局|教科体局|教育和体育局|教育|督导|委员会|办公室)")
DEV_ZONE = re.compile(r"^(.{2})(.{2,}?)(新技术开发区|高新技术产业开发区|经济技术开发区|经济开发区|开发区)$")
# Well-known nicknames of places; attached only when the circular itself uses the nickname.
NICKNAMES = {"光谷": "东湖", "澄": "江阴"}
UNIT = re.compile(r".+?(?:自治县|自治州|特别行政区|省|市|区|县|旗|州|盟)")


def iso(m: re.Match) -> str:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return f"{y:04d}-{mo:02d}-{d:02d}"


def region_of(issuer: str, text: str) -> tuple[str, list[str]]:
    """Region an issuer governs, and the names it goes by (e.g. 东湖高新区 = 东湖 = 光谷)."""
    m = RE_ORG_WORDS.search(issuer)
    place = issuer[:m.start()] if m else issuer
    place = place.strip()
    if not place:
        return "", []
    dz = DEV_ZONE.match(place)
    if dz:
        core = dz.group(2)
        region = core + "高新区"
        aliases = [place, place[2:], region, core]
    else:
        units = UNIT.findall(place) or [place]
        region = units[-1]
        aliases = [region]
        stem = re.sub(r"(自治县|自治州|省|市|区|县|旗|州|盟)$", "", region)
        if len(stem) >= 2:
            aliases.append(stem)
        if len(units) > 1:
            aliases.append("".join(units))
    for nick, target in NICKNAMES.items():
        if target in aliases and len(nick) >= 2 and nick in text:
            aliases.append(nick)
    seen, out = set(), []
    for a in aliases:
        if a and a not in seen:
            seen.add(a)
            out.append(a)
    return region, out


def extract(doc: Document) -> Document:
    """Fill a Document's metadata fields from its header and footer lines."""
    text = doc.text
    lines = [(ln, clean(ln.text)) for ln in split_lines(text)]
    lines = [(ln, t) for ln, t in lines if t]
    header: list = []
    plan_title = ""
    for ln, t in lines:
        level = heading_level(t)
        if RE_PLAN_TITLE.search(t) and "《" not in t and "关于" not in t and not t.startswith("附件"):
            plan_title = t
            break
        if level in (1, 2, 3):
            break
        header.append((ln, t))

    def span(ln):
        return [ln.start, ln.end]

    for ln, t in header:
        m = RE_DOCNO.search(t)
        if m and width(t) - width(m.group(1)) <= 4:
            doc.doc_number = re.sub(r"\s+", "", m.group(1))
            doc.spans["doc_number"] = span(ln)
            break
    for idx, (ln, t) in enumerate(header):
        m = RE_DATE.fullmatch(t)
        if m:
            doc.date = iso(m)
            doc.spans["date"] = span(ln)
            if idx > 0:
                prev_ln, prev = header[idx - 1]
                if not re.search(r"[。，；：:]", prev) and width(prev) <= 30:
                    doc.issuer = prev
                    doc.spans["issuer"] = span(prev_ln)
            break
    notice = ""
    for ln, t in header:
        if RE_NOTICE.search(t):
            notice = t
            doc.spans["title"] = span(ln)
            break
    if not doc.issuer:
        for ln, t in header:
            if t.endswith("文件") and width(t) <= 30:
                doc.issuer = t[:-2]
                doc.spans["issuer"] = span(ln)
                break
    if not doc.issuer and notice and not notice.startswith("关于"):
        doc.issuer = notice[:notice.index("关于")]
    if notice:
        doc.title = doc.issuer + notice if notice.startswith("关于") else notice
    else:
        doc.title = plan_title or (header[0][1] if header else doc.doc_id)
    for ln, t in lines:
        if re.search(r"印\s*发$", t):
            m = RE_DATE.search(t)
            if m:
                doc.printed_date = iso(m)
                doc.spans["printed_date"] = span(ln)
        if "不公开" in t and width(t) <= 20:
            doc.public = False
            doc.spans["public"] = span(ln)
        elif re.search(r"(此件)?(主动)?公开(发布)?[）)]?$", t) and width(t) <= 20 and doc.public is None:
            doc.public = True
            doc.spans["public"] = span(ln)
    year_src = plan_title or doc.title
    m = re.search(r"(\d{4})\s*年", year_src)
    if m:
        doc.year = int(m.group(1))
    elif doc.doc_number:
        doc.year = int(RE_DOCNO.search(doc.doc_number).group(2))
    elif doc.date:
        doc.year = int(doc.date[:4])
    doc.region, doc.aliases = region_of(doc.issuer, text)
    return doc
