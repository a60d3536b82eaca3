"""Question → Query: normalized text, region and year filters, and the intent behind it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexical import tokenize
from .models import Document
from .textnorm import normalize

MAX_QUESTION = 300

# Questions about the circular itself, answered from its metadata.
META_INTENTS = [
    ("doc_number", re.compile(r"文号|发文字号|文件号|字号|几号文|编号")),
    ("issuer", re.compile(r"发文机关|发文单位|印发单位|发布单位|(哪个|什么)(单位|部门|机关)(发|印发|制定|发布)|谁(发|印发|制定|发布)的")),
    ("public", re.compile(r"公开|保密|密级")),
    ("date", re.compile(r"哪天|哪一天|几号(印发|发|发布)|日期|什么时候(印发|发布|发的|下发|出台)|何时(印发|发布|下发)|印发时间|发布时间|成文")),
    ("title", re.compile(r"标题|文件名|题目|叫什么")),
]


@dataclass
class Query:
    question: str
    norm: str                         # normalized question
    text: str                         # normalized, with region and year words removed
    tokens: list[str]
    regions: list[str] = field(default_factory=list)   # region names (Document.region)
    intent: str = ""                  # a META_INTENTS key, or ""
    problem: str = ""                 # why the question cannot be searched, if it cannot


def alias_table(documents: list[Document]) -> list[tuple[str, str]]:
    """(normalized alias, region) pairs, longest alias first so 东湖高新区 beats 东湖."""
    pairs = set()
    for d in documents:
        for alias in [d.region] + list(d.aliases):
            if alias:
                pairs.add((normalize(alias), d.region))
    return sorted(pairs, key=lambda p: -len(p[0]))


def parse_question(question: str, documents: list[Document],
                   aliases: list[tuple[str, str]] | None = None) -> Query:
    """Understand a question against the indexed documents (which regions exist); pass the
    documents' alias_table when asking many questions of the same index."""
    question = question or ""
    if len(question) > MAX_QUESTION:  # before normalizing: never spend time on an oversized text
        return Query(question=question, norm="", text="", tokens=[], problem="too_long")
    norm = normalize(question)
    q = Query(question=question, norm=norm, text=norm, tokens=[])
    if not re.search(r"[\u4e00-\u9fff a-z0-9]", norm.replace(" ", "")):
        q.problem = "empty"
        return q
    text = norm
    for alias, region in aliases if aliases is not None else alias_table(documents):
        if alias and alias in text:
            if region not in q.regions:
                q.regions.append(region)
            text = text.replace(alias, " ")
    # the year is read by timeexpr.parse_question; here it only leaves the search text
    text = re.sub(r"20\d{2}\s*年?(度)?", " ", text)
    for name, pattern in META_INTENTS:
        if pattern.search(norm):
            q.intent = name
            break
    q.text = " ".join(text.split())
    q.tokens = tokenize(q.text)
    if not q.tokens and not q.regions and not q.intent:
        q.problem = "empty"
    return q
