"""“有哪些” questions: find the list a question asks for — the section whose heading names what
is asked (有哪些专项督导 → 五、切实抓好专项督导; 要查哪些内容 → 一、督查内容), else the section
of the best passage — and quote its items, per document, within the reply budget."""
from __future__ import annotations

import re

from .answer import about_subject, citation, excerpt, relevant
from .chunker import row_text
from .models import Answer, Chunk, Document, Hit, Line, Section
from .scope import place_name
from .query import Query
from .textnorm import first_sentence, normalize

LIST_ITEM = 100      # characters of each item a list answer quotes
LIST_BUDGET = 520    # characters of quoted items in one list answer (reply budget 800)
MAX_DOCS = 3
HEADING = 24        # characters: a longer "heading" is a flattened paragraph, not a section name
CLOSE = 0.9          # other documents are listed when their best passage is this close to the best
# "有哪些专项督导" → 专项督导; "遵循哪些原则" → 原则; "列了哪些方面的成绩" → 成绩
RE_ASKED = re.compile(r"(?:有哪些|有哪几|哪几个|哪几项|哪几条|哪些|哪几|什么)(?:方面的?|个|项|种|类)?"
                      r"([\u4e00-\u9fff]{2,8}?)(?:呢|啊|吗|呀|[?？,，。]|$)")


RE_BARE_NUMBER = re.compile(r"^[（(]?[\d一二三四五六七八九十]{1,3}[）)．.、]?$")


def lead(text: str, limit: int = LIST_ITEM) -> str:
    """An item's opening: its first sentence (which names the item), cut to `limit`."""
    first = first_sentence(text)
    return first if len(first) <= limit else first[:limit] + "…"


# What a question about a document's own structure enumerates: its sections. Other nouns
# (内容, 措施, 材料 …) are as often listed inside one passage, which passage search then quotes.
STRUCTURE = {"", "方面", "部分", "块", "大块", "步", "步骤", "环节", "阶段", "重点工作", "工作任务"}


RE_STRUCTURE = re.compile(r"哪些方面|哪几方面|几个方面|几大块|几块|几部分|几个部分|几步|哪几步|几个步骤|几个阶段|几个环节|哪几个环节")


def asked_noun(query: Query) -> str:
    """What a list question enumerates, in the question's own words (its first word)."""
    from .lexical import _jieba
    m = RE_ASKED.search(query.norm)
    if not m:
        return ""
    words = [w for w in _jieba().lcut(m.group(1)) if w.strip()]
    return words[0] if words and len(words[0]) >= 2 else (m.group(1) if len(words) == 1 else "")


def _sections(doc_chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    """Every heading path prefix → the chunks under it, in reading order."""
    out: dict[str, list[Chunk]] = {}
    for c in doc_chunks:
        parts = c.heading.split(" > ")
        for i in range(1, len(parts) + 1):
            out.setdefault(" > ".join(parts[:i]), []).append(c)
    return out


def list_items(doc_chunks: list[Chunk], section: str) -> list[Chunk]:
    """A section's items: the first passage of each child section, or its paragraphs."""
    under = [c for c in doc_chunks if c.heading == section or c.heading.startswith(section + " > ")]
    depth = len(section.split(" > "))
    firsts: dict[str, Chunk] = {}
    for c in under:
        parts = c.heading.split(" > ")
        key = " > ".join(parts[:depth + 1]) if len(parts) > depth else f"{c.heading}#{c.chunk_id}"
        firsts.setdefault(key, c)
    return list(firsts.values())


def _top_level(doc_chunks: list[Chunk]) -> list[Chunk]:
    """The first passage of each top-level section (一、二、三 …) of a document."""
    firsts: dict[str, Chunk] = {}
    for c in doc_chunks:
        top = c.heading.split(" > ")[0]
        if top not in ("通知", "附件"):
            firsts.setdefault(top, c)
    return list(firsts.values())


def find_list(query: Query, doc_chunks: list[Chunk], best: Chunk | None,
              good_ids: set[int] = frozenset(), subject: bool = False) -> tuple[str, list[Chunk]]:
    """(section name, items) a list question asks for in one document. `subject`: the question
    is about the document's subject as a whole (answer.about_subject)."""
    noun = "" if RE_STRUCTURE.search(query.norm) else normalize(asked_noun(query))
    sections = _sections(doc_chunks)
    opening = best is not None and best.heading.split(" > ")[0] == "通知"
    if noun:
        # a section named by the noun that the question is about (四、工作要求 of the notice asked
        # about), not one that merely shares the word (一、督查内容 for 自查报告的内容)
        named = [(h, cs) for h, cs in sections.items()
                 if len(h.split(" > ")[-1]) <= HEADING and noun in normalize(h.split(" > ")[-1])
                 and (subject or not good_ids or any(c.chunk_id in good_ids for c in cs))]
        if named:
            heading, _ = max(named, key=lambda hc: (len(list_items(doc_chunks, hc[0])), -len(hc[0])))
            return heading.split(" > ")[-1], list_items(doc_chunks, heading)
        # paragraphs of one section that each name it (第一组…孙镇片区, 第二组…兴镇片区)
        naming: dict[str, list[Chunk]] = {}
        for c in doc_chunks:
            if noun in normalize(c.text):
                naming.setdefault(c.heading, []).append(c)
        heading, same = max(naming.items(), key=lambda kv: len(kv[1]), default=("", []))
        if len(same) >= 2:
            return heading.split(" > ")[-1], same
        if noun not in STRUCTURE:
            return "", []  # "要交给哪些部门": the enumeration is inside a passage
    if best is None:
        return "", []
    if not opening and best.kind != "row" and (best.text.count("、") >= 2 or re.search(r"一是.*二是", best.text)):
        return "", []  # the passage is itself the enumeration: passage search quotes it
    path = best.heading.split(" > ")
    if len(path) == 1:
        same = [c for c in doc_chunks if c.heading == best.heading]
        if len(same) >= 2:
            return best.heading, same
        return "", _top_level(doc_chunks)
    parent = " > ".join(path[:-1])
    return path[-2], list_items(doc_chunks, parent)


def answer_list(query: Query, plans: list[Document], notes: list[str], hits: list[Hit], state,
                top_k: int) -> Answer | None:
    """Items of the asked-for list in each document the question is about (its regions, else
    the documents of the best passages); None sends the question to passage search."""
    good = relevant(hits)
    by_doc: dict[str, Chunk] = {}
    top = good[0].coverage if good else 0.0
    for h in good:
        if h.coverage >= top * CLOSE or query.regions:
            by_doc.setdefault(h.chunk.doc_id, h.chunk)
    doc_ids = list(by_doc) or ([d.doc_id for d in plans] if len(plans) <= MAX_DOCS else [])
    parts, cites, used, shown_ids = [], [], 0, set()
    for doc_id in doc_ids[:MAX_DOCS]:
        doc = state.built.documents[doc_id]
        doc_chunks = [c for c in state.searcher.chunks_of(doc_id) if c.kind not in ("meta", "head")]
        name, items = find_list(query, doc_chunks, by_doc.get(doc_id), {h.chunk.chunk_id for h in good},
                                subject=about_subject(good, doc))
        if len(items) < 2:
            continue
        lines, doc_cites = [], []
        for c in items:
            text = row_text(c) if c.kind == "row" else lead(c.text)
            label = c.heading.split(" > ")[-1]
            if label and c.kind != "row" and not RE_BARE_NUMBER.match(label) and normalize(label)[:6] not in normalize(text):
                text = f"{label}：{text}"
            if used + len(text) > LIST_BUDGET and (cites or doc_cites):
                lines.append(Line(role="more"))
                break
            used += len(text)
            doc_cites.append(citation(doc, c, text))
            lines.append(Line(text, doc_cites[-1]))
            shown_ids.add(c.chunk_id)
        if not doc_cites:
            break
        lines.append(Line("", doc_cites[0], "source"))
        parts.append(Section(place_name(doc), f"{name or doc.title or doc.doc_number}（共 {len(items)} 项）", lines))
        cites.extend(doc_cites)
    if not cites:
        return None
    more = [citation(state.built.documents[h.chunk.doc_id], h.chunk,
                     row_text(h.chunk) if h.chunk.kind == "row" else excerpt(h.chunk.text, query.tokens))
            for h in good if h.chunk.chunk_id not in shown_ids][:top_k * 2]
    return Answer(question=query.question, kind="list", answer="文件中列出的各项：", citations=cites,
                  notes=notes, sections=parts, more=more)
