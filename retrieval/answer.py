"""Hits or metadata → Answer: only source text, each passage with where it comes from."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from . import claims
from .chunker import row_text
from .models import Answer, Chunk, Citation, Document, Hit
from .scope import kind_name, place_name, year_label
from .query import Query
from .render import to_text
from .textnorm import SENTENCE, clean, normalize
from .timeexpr import asked_days, day_level

MIN_COVERAGE = 0.35      # share of the question's (IDF-weighted) words the best passage must contain; calibrated in bench/quality.py
RELATIVE_COVERAGE = 0.6  # further passages must cover this share of what the best one covers
MAX_EXCERPT = 260
QUOTED_BUDGET = 560      # characters of quoted text in one passage answer (reply budget 800 with sources)

META_LABELS = {
    "doc_number": "文号", "issuer": "发文机关", "date": "日期", "public": "公开属性",
    "title": "标题", "recipients": "主送单位", "copy_to": "抄送单位", "attachments": "附件",
    "page": "网页信息",
}
# what of its page a question asks (its words) → the page lines that say it
PAGE_ASKS = [
    (re.compile(r"浏览|阅读|点击|访问|多少人"), re.compile(r"浏览|阅读|点击|访问")),
    (re.compile(r"栏目|位置|分类|频道"), re.compile(r"位置|首页")),
    (re.compile(r"网站|主办|承办"), re.compile(r"主办|承办|版权所有|来\s*源")),
]


def page_facts(doc: Document, question: str) -> list[str]:
    """The lines of a document's web page that state what a question asks of it (浏览次数：321
    for 浏览量多少), all of them when it asks nothing in particular."""
    asked = [line for ask, line in PAGE_ASKS if ask.search(question)]
    return [t for t in doc.page_lines if not asked or any(p.search(t) for p in asked)]


def citation(doc: Document, chunk: Chunk, text: str | None = None) -> Citation:
    return Citation(doc=doc.doc_id, title=doc.title, doc_number=doc.doc_number, region=place_name(doc),
                    year=doc.year, heading=chunk.heading,
                    text=text if text is not None else row_text(chunk),
                    start=chunk.start, end=chunk.end, page=doc.page_at(chunk.start))


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
    # only the item's opening sentence matched ("3.不断优化责任督学挂牌督导工作。"): it names the
    # item, the sentences after it say how — keep them while they fit
    while best == 0 and hi + 1 < len(sents) and length + len(sents[hi + 1]) <= max_len:
        hi += 1
        length += len(sents[hi])
    out = "".join(sents[lo:hi + 1])
    if len(out) > max_len * 1.5:
        out = out[:max_len] + "…"
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(sents) - 1 else "")


def relevant(hits: list[Hit]) -> list[Hit]:
    """Hits worth quoting: the best must cover the question; the rest must keep up with it."""
    if not hits:
        return []
    best = max(max(h.coverage, h.context) for h in hits)
    if best < MIN_COVERAGE:
        return []
    return [h for h in hits if max(h.coverage, h.context) >= max(MIN_COVERAGE, best * RELATIVE_COVERAGE)]


SUBJECT = 0.7   # coverage of a notice's opening from which a question is about its subject


def about_subject(good: list[Hit], doc: Document) -> bool:
    """Whether the question is about a document's subject as a whole: its opening passage
    (before section 一、) covers the question."""
    opening = max((h.coverage for h in good if h.chunk.doc_id == doc.doc_id
                   and h.chunk.heading.split(" > ")[0] in ("通知", doc.title)), default=0.0)
    return opening >= SUBJECT


def answer_passages(query: Query, hits: list[Hit], docs: dict[str, Document], top_k: int,
                    notes: list[str]) -> Answer:
    """The floor: the best passages the search found, quoted with their sources, whatever their
    coverage (whether they answer the question is `decline.judge`'s to weigh, not this)."""
    good = ranked(hits, meta=query.is_meta or bool(query.doc_ids))
    if not good:
        return no_answer(query, notes)
    cites, whole = [], []
    for i, h in enumerate(good):
        doc = docs[h.chunk.doc_id]
        # a list question that reached passage search: the best passage is the enumeration
        # (一是…二是…, A、B、C), so it is quoted at twice the length
        limit = MAX_EXCERPT * 2 if query.intent == "list" and i == 0 else MAX_EXCERPT
        text = row_text(h.chunk) if h.chunk.kind == "row" else excerpt(h.chunk.text, query.tokens, limit)
        cites.append(citation(doc, h.chunk, text))
        if i < top_k and text != h.chunk.text and h.chunk.kind != "row":
            whole.append(citation(doc, h.chunk))  # “更多原文” shows the rest of a cut passage
    shown, more = cites[:top_k], whole + cites[top_k:top_k * 3]
    while len(shown) > 1 and sum(len(c.text) for c in shown) > QUOTED_BUDGET:
        dropped = shown.pop()   # a long first quote leaves room for fewer others …
        if not any((c.doc, c.start) == (dropped.doc, dropped.start) for c in whole):
            more.insert(len(whole), dropped)   # … shown under “更多原文”, once (whole, if it was cut)
    kind = kind_name(docs[c.doc] for c in shown)
    return Answer(question=query.question, kind="passages", answer=passages_head(kind, len(shown)),
                  citations=shown, notes=notes, more=more)


def passages_head(kind: str, count: int) -> str:
    """The first line of a passage answer: how many passages of what kind of document."""
    return f"在{kind}中找到 {count} 段相关原文："


def ranked(hits: list[Hit], meta: bool = False) -> list[Hit]:
    """Hits in the order passages are quoted: those that cover the question (`relevant`) first,
    then the rest of what the search found, each in search order; a document's header lines
    (文件信息) after the passages unless the question is about the document itself (`meta`) or
    they cover it better than any passage: a title and recipients share every topic word and
    say nothing about any of them."""
    good = relevant(hits)
    order = good + [h for h in hits if h not in good]
    if not meta:
        best = max((h.coverage for h in order if h.chunk.kind != "head"), default=0.0)
        late = [h for h in order if h.chunk.kind == "head" and h.coverage <= best]
        order = [h for h in order if h not in late] + late
    return _search_best_kept(hits, order)


SEARCH_BEST_AT = 2   # the search's own best passage is quoted at this place or sooner


def _search_best_kept(hits: list[Hit], order: list[Hit]) -> list[Hit]:
    """The floor of plain passage search: its best passage (by the fused score) is among the
    first quoted, whatever the coverage rules above make of it — word coverage misjudges a
    passage that answers in other words (管几所 of 负责学校不超过5所)."""
    if not hits or hits[0] in order[:SEARCH_BEST_AT + 1]:
        return order
    rest = [h for h in order if h is not hits[0]]
    return rest[:SEARCH_BEST_AT] + [hits[0]] + rest[SEARCH_BEST_AT:]


def no_answer(query: Query, notes: list[str], missing: str = "", kind: str = "文件") -> Answer:
    """The documents asked about do not cover the question (`missing`: what they lack, said;
    `kind`: what they are, 工作要点 or 条例 …)."""
    where = "、".join(k.rsplit("/", 1)[-1] for k in query.regions) if query.regions else "已收录的"
    said = f"没有找到{missing}" if missing else "没有找到与这个问题直接相关的内容。"
    return Answer(question=query.question, kind="none",
                  answer=f"{where}{kind}中{said}可以换个说法。", notes=notes, hint="docs")


def declined_answer(query: Query, notes: list[str], missing: str, closest: list[Citation],
                    kind: str = "文件") -> Answer:
    """A decline that still shows the closest passages, so a reader can judge for themselves."""
    answer = no_answer(query, notes, missing, kind)
    if closest:
        answer.answer += "\n最接近的原文："
        answer.citations = list(closest)
    answer.unanswered = missing or "没有找到直接相关的内容"
    return answer


def meta_docs(query: Query, plans: list[Document], hits: list[Hit]) -> list[Document]:
    """The documents a meta question is about: one it names by 文号, else the region or year it
    names, else those its topic words find; all plans only when nothing narrows them."""
    flat = query.norm.replace(" ", "")
    named = [d for d in plans if d.doc_number and normalize(d.doc_number).replace(" ", "") in flat]
    if named:
        return named
    if query.regions or len(plans) == 1:
        return plans
    good = relevant(hits)
    if good:
        best = good[0].coverage
        ids = list(dict.fromkeys(h.chunk.doc_id for h in good if h.coverage >= best * 0.9))
        if len(ids) > 2:
            return plans  # words every plan has (工作要点, 通知) single none of them out
        return [d for d in plans if d.doc_id in ids] or plans
    return plans


def answer_meta(query: Query, docs: list[Document], notes: list[str], hits: list[Hit] | None = None,
                state=None, top_k: int = 3) -> Answer:
    """Answer 文号 / 发文机关 / 日期 / 主送 / 抄送 / 附件 / 公开 / 标题 questions from metadata, for the
    documents asked about; a field none of them gives is said to be missing, not guessed. A
    question asking for several (文号和发文日期) gets each, in its order."""
    fields = [f for f in query.meta_fields if f != query.meta_field]
    if not fields or query.meta_field not in query.meta_fields:
        return _answer_field(query, docs, notes, hits)
    parts = [_answer_field(replace(query, meta_field=f), docs, notes, hits) for f in query.meta_fields]
    given = [a for a in parts if a.kind != "none"]
    if len(given) < 2:
        return _answer_field(query, docs, notes, hits)
    # the parts the documents give, in the question's order
    return Answer(question=query.question, kind="meta", answer="\n".join(a.answer for a in given),
                  citations=[c for a in given for c in a.citations], notes=notes)


RE_ORGAN_FIELD = re.compile(r"(来\s*源|发布机构|发文机关)\s*[:：]")


def _answer_field(query: Query, docs: list[Document], notes: list[str], hits: list[Hit] | None = None) -> Answer:
    """The answer for the one field `query.meta_field`."""
    field = query.meta_field
    docs = meta_docs(query, docs, hits or [])
    label = META_LABELS.get(field, field)
    lines, cites, missing = [], [], []
    for doc in docs:
        if field == "page":
            # the page's own lines are no passage of the text: each is quoted as the page says it
            facts = page_facts(doc, query.norm)
            if not facts:
                missing.append(doc)
                continue
            lines.append(f"{place_name(doc)}（{year_label(doc.year)}）：{'；'.join(facts)}")
            cites.extend(citation(doc, Chunk(-1, doc.doc_id, "网页信息", t, 0, 0, kind="meta")) for t in facts)
            continue
        value = _meta_value(doc, field)
        if value is None:
            missing.append(doc)
            continue
        lines.append(f"{place_name(doc)}（{year_label(doc.year)}）：{value}")
        spans = [doc.spans.get(field) or doc.spans.get("title") or [0, 0]]
        if field == "date":
            # each date the document gives, quoted as it writes it (发布时间：2020/01/15)
            spans = list(dict.fromkeys(tuple(doc.spans[k]) for k in ("date", "printed_date", "published")
                                       if k in doc.spans)) or spans
        elif field == "issuer" and "published" in doc.spans and tuple(doc.spans["published"]) != tuple(spans[0]) \
                and RE_ORGAN_FIELD.search(doc.text[slice(*doc.spans["published"])]):
            # a web page's info line names the organ too (来源：某县教育督导室)
            spans.append(doc.spans["published"])
        for span in spans:
            source = clean(doc.text[span[0]:span[1]].lstrip("# ").replace("*", "")) if span[1] else ""
            chunk = Chunk(-1, doc.doc_id, "文件头", source, span[0], span[1], kind="meta")
            cites.append(citation(doc, chunk))
    if not lines:
        names = "、".join(f"《{d.title}》" if d.title else place_name(d) for d in missing)
        return Answer(question=query.question, kind="none",
                      answer=f"{names}没有写明{label}。", notes=notes)
    for doc in missing:
        lines.append(f"{place_name(doc)}（{year_label(doc.year)}）：文件中没有写明")
    head = f"{label}：\n"
    asks = bool({"yesno", "exists"} & query.forms)   # 能不能公开, 可以公开吗
    if field == "public" and asks and len(docs) == 1:
        head = "不能公开。" if docs[0].public is False else "可以公开。"
        head += f"{label}：\n"
    elif field == "date" and "yesno" in query.forms and len(docs) == 1 and query.asked.months \
            and (own := _own_date(docs[0])) is not None:
        # “是3月份发的吗”: the month (and the days, when asked: 3月初, 4月10号) against the
        # document's own date
        from .time_answers import months_text   # time_answers imports this module
        precise = day_level(query.norm)
        days = asked_days(precise, own.year) if precise is not None else None
        said = precise.text if days is not None else months_text(query.asked.months)
        same = query.asked.year in (None, own.year) and (
            days[0] <= own <= days[1] if days is not None else own.month in query.asked.months)
        head = (f"是，在{said}。" if same else f"不是，不在{said}。") + f"{label}：\n"
    elif "yesno" in query.forms and len(docs) == 2 and not missing:
        # "是同一天发的吗": the two documents' values side by side decide it
        values = {_meta_value(d, field) for d in docs}
        head = ("是，两份相同。" if len(values) == 1 else "不是，两份不同。") + f"{label}：\n"
    return Answer(question=query.question, kind="meta", answer=head + "\n".join(lines),
                  citations=cites, notes=notes)


def _own_date(doc: Document):
    """The date a document was issued (成文, printed or published), as a date, if it gives one."""
    for iso in (doc.date, doc.printed_date, doc.published):
        try:
            return date.fromisoformat(iso[:10])
        except (TypeError, ValueError):
            continue
    return None


def more_answer(query: Query, previous: Answer, top_k: int, limit: int) -> Answer:
    """“还有呢”: the next passages of the previous answer, up to `top_k` of them while the reply
    stays within `limit` characters (the first always)."""
    if not previous.more:
        return Answer(question=query.question, kind="none", answer="上一个问题没有更多相关原文了。")
    answer = Answer(question=query.question, kind="passages", answer="更多相关原文：",
                    citations=previous.more[:1], more=previous.more[1:])
    for n in range(2, min(top_k, len(previous.more)) + 1):
        trial = replace(answer, citations=previous.more[:n], more=previous.more[n:])
        if len(to_text(trial)) > limit:
            break
        answer = trial
    return answer


SURE = 0.6   # coverage above which a passage is taken to say "yes, the document plans this"


def answer_exists(query: Query, plans: list[Document], notes: list[str], hits: list[Hit], state,
                  top_k: int) -> Answer | None:
    """“有没有督查工资待遇”: 有 with the passages when the best one covers the question well;
    otherwise the plain passage answer decides."""
    good = relevant(hits)
    if not good or good[0].coverage < SURE:
        return None
    answer = answer_passages(query, good, state.built.documents, top_k, notes)
    may = re.search(r"能|可以|让|准|允许", query.norm)
    if forbids(good[0].chunk.text, query.tokens):
        answer.answer = "不行，文件明确禁止：" if may else "不，文件明确禁止："
    elif may and RE_PENALTY.search(good[0].chunk.text):
        # an act the passage lists among what is punished (克扣、挪用学前儿童伙食费的…处分)
        answer.answer = "不行，文件把这列为要追究责任的情形："
    else:
        # a value the question asserts (聘期是五年吗) is checked against the passage's own
        verdict, instead = claims.check(query.question, good[0].chunk.text, query.tokens)
        if verdict == "no":
            answer.answer = f"不是，文件写的是{'、'.join(dict.fromkeys(v.text for v in instead))}："
        else:
            answer.answer = "有，文件中写到：" if "有" in query.norm else "是，文件中写到："
    answer.kind = "exists"
    return answer


RE_FORBID = re.compile(r"严禁|禁止|不得|不准|不允许|杜绝")
RE_PENALTY = re.compile(r"给予处分|处分|处罚|罚款|追究.{0,6}责任|责令.{0,4}改正|吊销|撤销.{0,6}资格|通报批评")


def forbids(text: str, tokens: list[str]) -> bool:
    """Whether the sentence of a passage that names the question's words forbids it (严禁…)."""
    for sent in SENTENCE.findall(text):
        norm = normalize(sent)
        if RE_FORBID.search(sent) and sum(t in norm for t in tokens) >= max(1, len(tokens) // 2):
            return True
    return False


ANSWERS = {"meta": answer_meta, "exists": answer_exists}


def _meta_value(doc: Document, field: str) -> str | None:
    """The field's value as a reply states it, or None when the text does not give it."""
    if field == "date":
        parts = [f"{name} {_cn_date(iso)}" for name, iso in
                 (("成文日期", doc.date), ("印发日期", doc.printed_date), ("发布日期", doc.published)) if iso]
        return "，".join(parts) or None
    if field == "public":
        return {False: "标注“此件不公开”", True: "标注为公开"}.get(doc.public)
    if field == "attachments":
        return "；".join(doc.attachments) or None
    return getattr(doc, {"copy_to": "copy_to", "recipients": "recipients"}.get(field, field), "") or None


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"
