"""Official-document metadata (GB/T 9704 elements: 发文字号, 标题, 主送机关, 发文机关署名, 成文日期,
附注, 附件, 抄送, 印发) plus a web page's own 发布日期 / 发文机关 / 标题 lines — read from wherever they
stand: the head, the title line, the signature block at the end, or a page's info table. A field
the text does not give stays empty; every field found keeps the span of its source line.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace

from . import regions
from .models import Document
from .pageclean import NEXT_FIELD
from .structure import DOC_KINDS, heading_level, split_lines
from .textnorm import clean, to_simplified, width
from .timeexpr import RE_DATE_AT_START, YEARS, parse_date

RE_DOCNO = re.compile(r"([\u4e00-\u9fa5]{1,12}\s*[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*\d{1,4}\s*号)")
RE_DOC_KIND = re.compile(r"(通知|决定|意见|办法|报告|总结|要点|计划|方案|安排|规划|细则|函|通报|公告|指导意见)$")
RE_NOTICE = re.compile(r"关于.*(通知|决定|意见|办法|报告|通报|函)$")
RE_PLAN_TITLE = re.compile(r"\d{4}\s*年.*(工作要点|工作计划|工作安排|工作总结|总结报告|工作方案)")
RE_ORG = re.compile(r"(人民政府|政府|办公室|办公厅|督导室|督导委员会|委员会|教育局|教育体育局|教体局|教育厅|"
                    r"教育委员会|教委|科技局|体育局|管委会|督导组|中心)$")
RE_RECIPIENTS = re.compile(r"^各[^。；]{2,120}[:：]$|^[^。；]{2,120}(学校|幼儿园|单位|人民政府|办公厅|部门)[:：]$")
RE_ATTACH = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*(\S.*)?$")
RE_NEXT_ATTACH = re.compile(r"^\d{1,2}\s*[.、．]\s*[^。；;，,]+$")
RE_COPY_TO = re.compile(r"^抄\s*送\s*[:：]\s*(.+)$")
# A web page's info table: "发文机关:襄垣县教育局 |" or "发布机构: | 青阳县教育体育局 |"
KV_KEYS = {
    "doc_number": ("发文字号", "文号"),
    "issuer": ("发文机关", "发布机构", "发文单位", "发布单位"),
    "source": ("来源", "信息来源"),   # a web copy's source: the issuer when nothing else names one
    "title": ("标题", "名称", "文件名称"),
    "date": ("成文日期", "发文时间", "发文日期"),
    "published": ("发布日期", "发布时间", "发表日期", "发表时间"),
}
HEAD_LINES = 25
RE_SEAL_NOTE = re.compile(r"^[（(][^）)]{2,20}[）)]$")   # （甘肃省教育厅代章）
# a regulation's record of passing: a date in any spelling, the organ, "…会议通过" or "…批准"
RE_PASSED_END = re.compile(r"(第[一二三四五六七八九十百\d]+次会议)?(通过|批准)[）)]?$")


def is_date_line(t: str) -> bool:
    """A line that is only a date (成文日期 under a signature), not a labelled field (发布时间:…)."""
    t = re.sub(r"\s+", "", t)
    return bool(parse_date(t)) and width(t) <= 12 and not re.search(r"[:：]", t)


def _kv_fields(t: str) -> dict[str, str]:
    """Fields of one info-table line; values stand after the colon or in the next cell; fields
    on one line without a table (来源：… 作者：… 发布时间：…) are cells too."""
    cells = [c.strip() for part in re.split(r"\s*\|\s*", t) for c in NEXT_FIELD.split(part)]
    out: dict[str, str] = {}
    for i, cell in enumerate(cells):
        m = re.match(r"^([\u4e00-\u9fff]{2,6})\s*[:：]\s*(.*)$", cell)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if not value and i + 1 < len(cells) and not re.match(r"^[\u4e00-\u9fff]{2,6}\s*[:：]", cells[i + 1]):
            value = cells[i + 1]
        value = clean(value)
        for name, keys in KV_KEYS.items():
            if key in keys and value and value not in ("无", "-"):
                out[name] = value
    return out


def _looks_like_org(t: str) -> bool:
    return bool(RE_ORG.search(to_simplified(t))) and width(t) <= 30 and not re.search(r"[。，,；:：|]", t)


def _title_of_line(t: str) -> str:
    """The title at the start of a line a web copy glued to the body (`…指导意见 根据…`)."""
    head = re.split(r"\s+", t, maxsplit=1)[0]
    if head != t and RE_DOC_KIND.search(head) and 6 <= width(head) <= 60:
        return head
    return ""


TEXT_FIELDS = ("title", "issuer", "doc_number", "recipients", "copy_to")


def extract(doc: Document) -> Document:
    """Fill a Document's metadata fields from its head, signature block and info table; a text
    in traditional characters is read in simplified ones, and the values are given back in the
    document's own characters."""
    simple = to_simplified(doc.text)
    if simple == doc.text or len(simple) != len(doc.text):
        return _extract(doc)
    work = _extract(replace(doc, text=simple, spans={}, attachments=[]))
    for name in TEXT_FIELDS:
        value, span = getattr(work, name), work.spans.get(name)
        if value and span:
            at = simple.find(value, span[0], max(span[1], span[0] + len(value)))
            if at >= 0:
                value = doc.text[at:at + len(value)]
        setattr(doc, name, value)
    for name in ("date", "printed_date", "published", "region", "aliases", "year", "public",
                 "region_path", "places", "years", "named_years", "kind", "spans"):
        setattr(doc, name, getattr(work, name))
    doc.attachments = [doc.text[a:a + len(x)] if (a := simple.find(x)) >= 0 else x for x in work.attachments]
    return doc


def _extract(doc: Document) -> Document:
    text = doc.text
    lines = [(ln, clean(ln.text)) for ln in split_lines(text)]
    lines = [(ln, t) for ln, t in lines if t]

    def span(ln):
        return [ln.start, ln.end]

    def put(name: str, value, ln) -> None:
        if value and not getattr(doc, name):
            setattr(doc, name, value)
            doc.spans[name] = span(ln)

    # the head: up to the first section heading of the body
    head = []
    for ln, t in lines[:HEAD_LINES]:
        if heading_level(t) in (1, 2) and head:
            break
        head.append((ln, t))

    source = None
    for ln, t in head:
        # the fields of a line are read before its spaces are cleaned away (来源：某局  发布日期：…)
        kv = _kv_fields(ln.text) if ("|" in t or re.match(r"^[\u4e00-\u9fff]{2,6}\s*[:：]", t)) else {}
        for name, value in kv.items():
            if name in ("date", "published"):
                value = parse_date(value)
            elif name == "doc_number":
                m = RE_DOCNO.search(value)
                value = re.sub(r"\s+", "", m.group(1)) if m else ""
            elif name == "source":
                source = source or (value, ln)
                continue
            put(name, value, ln)

    # a line that is nothing but a 文号, wherever it stands: under the title, or after the
    # signature where some sites print it
    for ln, t in head + [x for x in lines if x not in head]:
        m = RE_DOCNO.search(t)
        if m and width(t) - width(m.group(1)) <= 4:
            put("doc_number", re.sub(r"\s+", "", m.group(1)), ln)
            break

    # 发文机关署名 + 成文日期: a date line, with the issuer on the line above (head or end)
    signature = head + [x for x in lines[-8:] if x not in head]
    for idx, (ln, t) in enumerate(signature):
        if not is_date_line(t):
            continue
        put("date", parse_date(re.sub(r"\s+", "", t)), ln)
        # the organ on the line above, past a seal note such as （甘肃省教育厅代章）
        for back in (1, 2):
            if idx - back < 0:
                break
            prev_ln, prev = signature[idx - back]
            if _looks_like_org(prev):
                put("issuer", prev, prev_ln)
                break
            if not RE_SEAL_NOTE.match(prev):
                break
        break

    # a regulation's record of passing: "2001年6月29日 郑州市第十一届人民代表大会常务委员会第二十次
    # 会议通过" gives its date and the organ that passed it
    for ln, t in head:
        start, end = RE_DATE_AT_START.match(t), RE_PASSED_END.search(t)
        if start and end and end.group(2) == "通过":
            put("date", parse_date(start.group(0)), ln)
            put("issuer", t[start.end():end.start()].strip(" （()）"), ln)
            break

    for ln, t in head:
        if RE_RECIPIENTS.search(t) and "|" not in t:
            put("recipients", t.rstrip(":："), ln)
            break

    notice = ""
    for ln, t in head:
        if RE_RECIPIENTS.search(t) or RE_ATTACH.match(t):
            continue
        if RE_NOTICE.search(t) and width(t) <= 80:
            notice = t
            doc.spans.setdefault("title", span(ln))
            break
    plan_title = ""
    for ln, t in head:
        if RE_ATTACH.match(t) or "《" in t or "|" in t:
            continue
        if RE_PLAN_TITLE.search(to_simplified(t)) and width(t) <= 60 and not re.search(r"[。，,；]", t):
            plan_title = t
            doc.spans.setdefault("title", span(ln))
            break
    for ln, t in head:
        if t.endswith("文件") and width(t) <= 30:
            put("issuer", t[:-2], ln)
            break
    if notice and not notice.startswith("关于") and "关于" in notice:
        org = notice[:notice.index("关于")]
        if RE_ORG.search(org):
            put("issuer", org, head[0][0])
            doc.spans["issuer"] = doc.spans.get("title", doc.spans["issuer"])
    if source is not None and _looks_like_org(source[0]):
        put("issuer", source[0], source[1])   # no signature, no 发文机关: the page's 来源
    if not doc.title:
        if notice:
            doc.title = doc.issuer + notice if notice.startswith("关于") else notice
        elif plan_title:
            doc.title = plan_title
        else:
            doc.title = _first_title(head, doc)

    listing = False   # the line before was an attachment: a numbered line under it is another
    for ln, t in lines:
        if re.search(r"印\s*发$", t):
            d = parse_date(t)
            if d:
                doc.printed_date = d
                doc.spans["printed_date"] = span(ln)
                # the imprint (版记) names the organ that prints it: "潍坊市…办公室 2025年2月18日印发"
                organ = re.split(r"\s*\d{4}\s*年|\s*[〇○零一二三四五六七八九]{4}\s*年", t)[0].strip()
                if organ != t and _looks_like_org(organ):
                    put("issuer", organ, ln)
        if "不公开" in t and width(t) <= 20:
            doc.public = False
            doc.spans["public"] = span(ln)
        elif re.search(r"(此件)?(主动)?公开(发布)?[）)]?$", t) and width(t) <= 20 and doc.public is None:
            doc.public = True
            doc.spans["public"] = span(ln)
        m = RE_ATTACH.match(t)
        if m and m.group(1) and width(t) <= 80:
            doc.attachments.append(m.group(1).strip())
            doc.spans.setdefault("attachments", span(ln))
            listing = True
        elif listing and RE_NEXT_ATTACH.match(t) and width(t) <= 80:
            doc.attachments.append(t.strip())   # "2. …名单" under "附件：1. …细则"
        else:
            listing = False
        m = RE_COPY_TO.match(t)
        if m:
            put("copy_to", m.group(1).strip(), ln)

    _years(doc, plan_title or doc.title)
    _region(doc, text, [t for _, t in signature])
    doc.kind = _kind(plan_title or doc.title, doc.doc_number, text)
    return doc


RE_ARTICLES = re.compile(r"^第[一二三四五六七八九十百零〇]{1,6}条", re.M)


def document_kind(title: str, text: str) -> str:
    """What a reply calls the document: the kind its title ends with (关于印发…工作要点的通知 is
    a 工作要点), else 规定 for a text of articles (第X条), else 文件."""
    t = re.sub(r"[（(][^）)]*[）)]$", "", to_simplified(title or "")).strip()   # …计划(2023-2027年)
    inner = re.search(r"《([^》]+)》", t)
    if inner and re.search(r"印发|转发|发布", t):
        t = inner.group(1)
    elif re.search(r"印发|转发", t):
        t = re.sub(r"的通知$", "", t)
    for ending, name in DOC_KINDS:
        if t.endswith(ending):
            return name
    if len(RE_ARTICLES.findall(text)) >= 3:
        return "规定"
    return "文件"


def _kind(title: str, doc_number: str, text: str) -> str:
    """document_kind, with a 文号 that names its kind (国教督办函〔2018〕16号: a 函) for a document
    without a title."""
    kind = document_kind(title, text)
    if kind == "文件" and re.search(r"函\s*[〔\[［(（]", doc_number or ""):
        return "函"
    return kind


RE_NOT_TITLE = re.compile(r"联系(方式|电话|人|我们)|欢迎|今天是|无标题|版权|网站|^附\s*件")


def _first_title(head: list, doc: Document) -> str:
    """The first line that is neither an info row, a 文号, the recipients, a date nor what a site
    puts around a document (联系方式, 欢迎…, 无标题文档)."""
    def candidate(t: str) -> bool:
        return not ("|" in t or RE_RECIPIENTS.search(t) or is_date_line(t) or RE_DOCNO.fullmatch(t)
                    or re.match(r"^[\u4e00-\u9fff]{2,6}\s*[:：]", t) or RE_NOT_TITLE.search(t))
    for ln, t in head:
        if not candidate(t):
            continue
        glued = _title_of_line(ln.text)
        if glued:
            pos = max(ln.raw.find(glued), 0)
            doc.spans["title"] = [ln.start + pos, ln.start + pos + len(glued)]
            return glued
        if width(t) <= 60 and not re.search(r"[。；]", t):
            doc.spans["title"] = [ln.start, ln.end]
            return t
        break
    return ""


def _years(doc: Document, title: str) -> None:
    """The year the document is about (its title's, else its date's) and every year it covers."""
    years: list[int] = []
    # a year is a year a circular can be about (1949–2100): "9999年" in a title is none
    m = re.search(r"(\d{4})\s*[-—–至到]+\s*(\d{4})\s*年", title)
    if m and int(m.group(1)) in YEARS and int(m.group(1)) <= int(m.group(2)) <= int(m.group(1)) + 10:
        years += list(range(int(m.group(1)), int(m.group(2)) + 1))
    m = next((m for m in re.finditer(r"(\d{4})\s*年", title) if int(m.group(1)) in YEARS), None)
    numbered = int(RE_DOCNO.search(doc.doc_number).group(2)) if doc.doc_number else None
    if years:
        doc.year = years[0]
    elif m:
        doc.year = int(m.group(1))
    elif numbered in YEARS:
        doc.year = numbered
    elif doc.date:
        doc.year = int(doc.date[:4])
    elif doc.published:
        doc.year = int(doc.published[:4])
    # and every year its text says it is about (2017年度 in a 2018 letter on that year's evaluation)
    named = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})\s*年度", to_simplified(doc.text))]
    for y in [doc.year] + [int(d[:4]) for d in (doc.date, doc.printed_date) if d] + named:
        if y and y not in years:
            years.append(y)
    doc.years = sorted(years)
    doc.named_years = sorted({int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})\s*年", to_simplified(doc.text))})


RE_ORGAN_NAMED = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:省|市|县|区|旗)(?:人民政府|教育局|教育体育局|教体局|教育委员会|教委|"
                            r"教育督导|政府教育督导|教育和体育局|文化和教育局)")


def _region(doc: Document, text: str, closing: list[str] | None = None) -> None:
    """Region from the issuer, else the title, else an organ the signature or the text names
    (“蒲城县人民政府教育督导室”); its parents kept for city/province questions."""
    path: list[str] = []
    organs = [t for t in (closing or []) if _looks_like_org(t)]
    organs += [m.group(0) for m in RE_ORGAN_NAMED.finditer(to_simplified(text[:3000]))][:3]
    organs += [m.group(0) for m in regions.NATIONAL_ORGAN.finditer(to_simplified(text[:3000]))][:1]
    for source in (doc.issuer, doc.title, *organs):
        if source:
            path = regions.locate(to_simplified(source))
            if path:
                break
    doc.region_path = path
    doc.region = path[-1] if path else ""
    doc.places = regions.named_places(to_simplified(text))
    doc.aliases = regions.names_for(path, to_simplified(text)) if path else []


def field_evidence(field: str, text: str) -> bool:
    """Whether a text holds a line that gives a metadata field (a 文号, a dated signature or a
    labelled date, a line of recipients, an issuing organ on its own, a 附件 line)."""
    for raw in text.split("\n"):
        t = clean(raw)
        if not t:
            continue
        if field == "doc_number" and RE_DOCNO.search(t):
            return True
        if field == "date" and (is_date_line(t) or (parse_date(t) and re.search(r"印发|发布|成文|日期|时间", t))):
            return True
        if field == "recipients" and RE_RECIPIENTS.search(t):
            return True
        if field == "issuer" and _looks_like_org(t):
            return True
        if field == "attachments" and RE_ATTACH.match(t) and width(t) > 4:
            return True
        if field == "copy_to" and RE_COPY_TO.match(t):
            return True
        if field == "public" and re.search(r"公开", t):
            return True
    return False


def identity(doc: Document) -> str:
    """What makes two files the same circular: its 文号, else its title (with issuer and year)
    when the title is specific enough to tell circulars apart; "" when neither is known."""
    if doc.doc_number:
        return "文号:" + re.sub(r"\s+", "", doc.doc_number)
    title = re.sub(r"\s+", "", to_simplified(doc.title or ""))
    if width(title) >= 8:
        return f"标题:{title}|{to_simplified(doc.issuer)}|{doc.year or ''}"
    return ""


def text_key(doc: Document) -> str:
    """The document's words with encoding, width, script and spacing folded: a GB18030 copy of a
    UTF-8 file, or one retyped with full-width digits or other line breaks, has the same key."""
    folded = re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", doc.text or "")))
    return hashlib.sha256(folded.encode("utf-8")).hexdigest() if folded else ""


def same_reason(doc: Document) -> str:
    """How a duplicate is named in reports: by 文号 or by title."""
    return f"文号 {doc.doc_number}" if doc.doc_number else f"标题《{doc.title}》"
