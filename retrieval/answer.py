"""Hits or metadata → Answer: only source text, each passage with where it comes from."""
from __future__ import annotations

from .chunker import row_text
from .models import Answer, Chunk, Citation, Document, Hit
from .plans import year_label
from .query import Query
from .textnorm import SENTENCE, clean, normalize

MIN_COVERAGE = 0.5       # share of the question's (IDF-weighted) words the best passage must contain
RELATIVE_COVERAGE = 0.6  # further passages must cover this share of what the best one covers
MAX_EXCERPT = 200

META_LABELS = {
    "doc_number": "文号", "issuer": "发文机关", "date": "成文日期", "public": "公开属性",
    "title": "标题",
}


def citation(doc: Document, chunk: Chunk, text: str | None = None) -> Citation:
    return Citation(doc=doc.doc_id, title=doc.title, doc_number=doc.doc_number, region=doc.region,
                    year=doc.year, heading=chunk.heading,
                    text=text if text is not None else row_text(chunk),
                    start=chunk.start, end=chunk.end)


def excerpt(text: str, tokens: list[str], max_len: int = MAX_EXCERPT) -> str:
    """The sentences of a passage that best match the question, cut with … where shortened."""
    if len(text) <= max_len:
        return text
    sents = [m.group(0) for m in SENTENCE.finditer(text) if m.group(0).strip()]
    if not sents:
        return text[:max_len] + "…"
    norm_sents = [normalize(s) for s in sents]
    scores = [sum(1 for t in set(tokens) if t in ns) for ns in norm_sents]
    best = max(range(len(sents)), key=lambda i: (scores[i], -i))
    lo = hi = best
    length = len(sents[best])
    # grow around the best sentence; the first sentence names the item ("4.严格落实…"), so keep it
    while True:
        grew = False
        if hi + 1 < len(sents) and length + len(sents[hi + 1]) <= max_len and scores[hi + 1] > 0:
            hi += 1
            length += len(sents[hi])
            grew = True
        if lo > 0 and length + len(sents[lo - 1]) <= max_len and (scores[lo - 1] > 0 or lo - 1 == 0):
            lo -= 1
            length += len(sents[lo])
            grew = True
        if not grew:
            break
    out = "".join(sents[lo:hi + 1])
    if len(out) > max_len * 1.5:
        out = out[:max_len] + "…"
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(sents) - 1 else "")


def relevant(hits: list[Hit]) -> list[Hit]:
    """Hits worth quoting: the best must cover the question; the rest must keep up with it."""
    if not hits:
        return []
    best = max(h.coverage for h in hits)
    if best < MIN_COVERAGE:
        return []
    return [h for h in hits if h.coverage >= max(MIN_COVERAGE, best * RELATIVE_COVERAGE)]


def answer_passages(query: Query, hits: list[Hit], docs: dict[str, Document], top_k: int,
                    notes: list[str]) -> Answer:
    """Quote the best passages, or say plainly that the circulars do not cover the question."""
    good = relevant(hits)
    if not good:
        return no_answer(query, notes)
    cites = []
    for h in good:
        doc = docs[h.chunk.doc_id]
        text = row_text(h.chunk) if h.chunk.kind == "row" else excerpt(h.chunk.text, query.tokens)
        cites.append(citation(doc, h.chunk, text))
    shown, more = cites[:top_k], cites[top_k:top_k * 3]
    return Answer(question=query.question, kind="passages",
                  answer=f"在工作要点中找到 {len(shown)} 段相关原文：", citations=shown,
                  notes=notes, more=more)


def no_answer(query: Query, notes: list[str]) -> Answer:
    where = "、".join(query.regions) if query.regions else "已收录的"
    return Answer(question=query.question, kind="none",
                  answer=f"{where}工作要点中没有找到与这个问题直接相关的内容。"
                         f"可以换个说法，或发送 /docs 查看收录了哪些文件。",
                  notes=notes)


def answer_meta(query: Query, docs: list[Document], notes: list[str]) -> Answer:
    """Answer 文号 / 发文机关 / 日期 / 是否公开 / 标题 questions from document metadata."""
    lines, cites = [], []
    for doc in docs:
        value = _meta_value(doc, query.intent)
        lines.append(f"{doc.region or doc.doc_id}（{year_label(doc.year)}）：{value}")
        span = doc.spans.get(query.intent) or doc.spans.get("title") or [0, 0]
        if query.intent == "date" and doc.printed_date and "printed_date" in doc.spans:
            span = doc.spans["printed_date"] if not doc.date else doc.spans.get("date", span)
        source = clean(doc.text[span[0]:span[1]].lstrip("# ").replace("*", "")) if span[1] else ""
        chunk = Chunk(-1, doc.doc_id, "文件头", source, span[0], span[1], kind="meta")
        cites.append(citation(doc, chunk))
    label = META_LABELS.get(query.intent, query.intent)
    return Answer(question=query.question, kind="meta", answer=f"{label}：\n" + "\n".join(lines),
                  citations=cites, notes=notes)


def _meta_value(doc: Document, intent: str) -> str:
    if intent == "doc_number":
        return doc.doc_number or "文件中未标注文号"
    if intent == "issuer":
        return doc.issuer or "文件中未写明发文机关"
    if intent == "date":
        parts = []
        if doc.date:
            parts.append(f"成文日期 {_cn_date(doc.date)}")
        if doc.printed_date:
            parts.append(f"印发日期 {_cn_date(doc.printed_date)}")
        return "，".join(parts) or "文件中未写明日期"
    if intent == "public":
        if doc.public is False:
            return "标注“此件不公开”"
        if doc.public is True:
            return "标注为公开"
        return "文件未标注公开属性"
    return doc.title


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"
