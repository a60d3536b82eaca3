"""Plain data classes for what travels between the engine's stages."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass
class Document:
    """One circular: its extracted text (the citable source) and official metadata."""
    doc_id: str
    path: str
    sha256: str
    fmt: str
    text: str
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    date: str = ""          # 成文日期, ISO yyyy-mm-dd
    printed_date: str = ""  # 印发日期, ISO, when the circular states it
    region: str = ""
    aliases: list[str] = field(default_factory=list)
    year: int | None = None
    public: bool | None = None  # False when marked 不公开
    published: str = ""     # 发布日期 of a web copy, ISO
    recipients: str = ""    # 主送机关
    copy_to: str = ""       # 抄送
    attachments: list[str] = field(default_factory=list)
    region_path: list[str] = field(default_factory=list)  # [province, city, county], as known
    places: list[str] = field(default_factory=list)  # paths (省/市/县) of the places its text names
    years: list[int] = field(default_factory=list)  # every year the document speaks for
    named_years: list[int] = field(default_factory=list)  # every year its text names (soft scope)
    dropped: int = 0        # lines of page furniture removed before parsing
    # source spans of the header lines the metadata came from: field -> [start, end]
    spans: dict[str, list[int]] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)  # a PDF's page starts in `text`; empty otherwise
    page_lines: list[str] = field(default_factory=list)  # the web page's furniture that states a fact of it (浏览次数：321, 当前位置：…)
    kind: str = "文件"      # what replies call it: 工作要点, 通知, 条例, 法律 … (meta.document_kind)

    def page_at(self, offset: int) -> int | None:
        """The PDF page (from 1) that holds `offset` of the text; None for other formats."""
        return bisect.bisect_right(self.pages, offset) if self.pages else None


    @property
    def region_key(self) -> str:
        """Identifies the region across documents: same-named districts differ by their city."""
        return "/".join(self.region_path) or self.region


@dataclass
class Chunk:
    """A searchable passage: never straddles two sections; a table row is its own chunk."""
    chunk_id: int
    doc_id: str
    heading: str            # heading path, e.g. "三、重点聚焦督学工作 > 4."
    text: str               # display text (source characters, layout cleaned)
    start: int              # span in Document.text
    end: int
    kind: str = "text"      # "text" | "row" | "head" (the header lines) | "meta" (a metadata field)
    table_header: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


@dataclass
class ScheduleEntry:
    """A dated activity from a schedule table or a dated sentence."""
    doc_id: str
    region: str
    activity: str
    when_text: str
    months: list[int]
    year: int | None        # None when neither the phrase nor the circular gives one
    start: int
    end: int
    approximate: bool = False
    source: str = "table"   # "table" | "text" | "document" (a single-month document)
    heading: str = ""
    said: str = ""          # the source's own words, when the entry is one of several steps of a cell


@dataclass
class Hit:
    """A chunk found for a query, with the scores that ranked it."""
    chunk: Chunk
    score: float
    bm25: float = 0.0
    dense: float = 0.0
    coverage: float = 0.0
    context: float = 0.0     # coverage with the words its document's title and place supply


@dataclass
class Citation:
    doc: str
    title: str
    doc_number: str
    region: str
    year: int | None
    heading: str
    text: str
    start: int
    end: int
    page: int | None = None  # the PDF page the passage starts on


@dataclass
class Line:
    """One line of a reply section, with the passage it comes from."""
    text: str = ""
    citation: Citation | None = None
    # "item": a schedule entry or list item · "passage": a quoted passage, numbered · "quote": an
    # excerpt under a section title · "source": where `citation` comes from · "field": a
    # metadata value with its source · "more": the list goes on beyond the reply
    role: str = "item"
    short: bool = False     # a source as 文号 › section only: the section title names region and year


@dataclass
class Section:
    """A part of a reply that stays together: a region's entries, a list, quoted passages."""
    place: str = ""         # the region or document the section is about, shown 【place】
    title: str = ""
    lines: list[Line] = field(default_factory=list)


@dataclass
class Answer:
    """What the engine says to a question: a short text plus the passages it quotes."""
    question: str
    kind: str               # "passages" | "meta" | "none" | "invalid" | "month" | "when" | "list" …
    answer: str
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    more: list[Citation] = field(default_factory=list)  # further passages on request
    months: list[int] = field(default_factory=list)
    schedule: list[dict] = field(default_factory=list)
    # the reply's parts when grouped (by region, list, side); none: the citations, as passages
    sections: list[Section] = field(default_factory=list)
    # what the documents do not give, said in the first line (a detail, the year asked): the
    # reply then shows what they do say, but it does not answer the question as asked
    unanswered: str = ""
    hint: str = ""          # a command that helps next ("docs"), named by each renderer its own way
    understood: str = ""    # a follow-up as completed from the conversation ("那五月呢" → "武胜 五月 做什么")
    evidence: object = None  # compose.Evidence: why the reply is made as it is (ask --explain)
