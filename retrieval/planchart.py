"""The year plan as a picture: twelve month columns, one row per scheduled item grouped by region,
ranges as bars, month items as blocks, 每月 as a thin line across. Drawn with matplotlib in the
Noto Sans CJK SC font that the `mplfonts` package ships, so no glyph depends on the machine."""
from __future__ import annotations

import io
import threading
from calendar import monthrange
import logging
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from .ics import entry_days, whole_months
from .models import Document, ScheduleEntry
from .scope import place_name
from .render import clip

log = logging.getLogger(__name__)

WIDTH_IN, DPI = 14, 100         # 1,400 px: readable on a phone held sideways, ≥ 1,080 px
ROW_IN = 0.34
LABEL_SHOWN = 30                # characters of an item's wording beside its row
COLOURS = ["#2f6db5", "#d9822b", "#3a9a5b", "#b5443a", "#7a5bb5", "#3a8f9a", "#9a7a2f", "#b53a85"]
NO_PLAN = "没有可以画出的日程（所选文件没有写明时间的工作安排）。"
# pyplot and the warnings filter are process-wide: one picture is drawn at a time
_drawing = threading.Lock()


@dataclass
class Chart:
    """A rendered plan: the PNG bytes and what they show."""
    png: bytes
    rows: int
    documents: int
    width: int
    height: int
    missing_glyphs: list[str] = field(default_factory=list)


def cjk_font() -> Path:
    """The CJK font file inside the mplfonts package."""
    import mplfonts
    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def _x(day: date) -> float:
    """A day's position on the month axis: 0 at 1 January, 12 at the year's end."""
    return day.month - 1 + (day.day - 1) / monthrange(day.year, day.month)[1]


def _title(docs: list[Document], years: list[int]) -> str:
    year = "、".join(f"{y}年" for y in years)
    names = "；".join(f"{place_name(d)} {d.doc_number}".strip() for d in docs[:3])
    more = f" 等 {len(docs)} 份" if len(docs) > 3 else ""
    return f"{year}督导工作安排 — {names}{more}"


def render(entries: list[ScheduleEntry], documents: dict[str, Document]) -> Chart | None:
    """The plan of these entries as a PNG; None when none of them is dated."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    rows: list[tuple[str, ScheduleEntry, list]] = []
    for e in sorted(entries, key=lambda e: (place_name(documents[e.doc_id]) if e.doc_id in documents else "",
                                            e.year or 0, e.start)):
        spans = entry_days(e)
        if spans and e.doc_id in documents:
            rows.append((place_name(documents[e.doc_id]), e, spans))
    if not rows:
        return None
    with _drawing:
        return _draw(rows, documents, font_manager.FontProperties(fname=str(cjk_font())), plt)


def _draw(rows: list, documents: dict[str, Document], font, plt) -> Chart:
    groups = list(dict.fromkeys(r[0] for r in rows))
    height_rows = len(rows) + len(groups)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.6 + ROW_IN * height_rows), dpi=DPI)
    labels, y = [], 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for g, region in enumerate(groups):
            colour = COLOURS[g % len(COLOURS)]
            labels.append((y, f"【{region}】", True))
            y += 1
            for _, e, spans in (r for r in rows if r[0] == region):
                for first, last, monthly in spans:
                    if monthly:
                        ax.plot([0, 12], [y, y], color=colour, linewidth=1.5)
                        continue
                    a, b = _x(first), _x(last + timedelta(days=1)) if last.month != 12 or last.day != 31 else 12.0
                    if b <= a:
                        b = 12.0   # a range into the next year: drawn to the year's end
                    whole = whole_months(first, last)
                    ax.barh(y, b - a, left=a, height=0.7 if whole else 0.45, color=colour,
                            alpha=0.35 if whole else 0.9, edgecolor=colour)
                several = len({r[1].year for r in rows if r[0] == region}) > 1
                year = f"{e.year}年 " if several and e.year and str(e.year) not in e.when_text else ""
                labels.append((y, clip(f"{year}{e.when_text}　{e.activity}", LABEL_SHOWN), False))
                y += 1
        ax.set_xlim(0, 12)
        ax.set_ylim(y - 0.5, -0.5)
        ax.set_xticks([m + 0.5 for m in range(12)])
        ax.set_xticklabels([f"{m}月" for m in range(1, 13)], fontproperties=font, fontsize=11)
        ax.xaxis.tick_top()
        ax.set_xticks(range(13), minor=True)
        ax.grid(axis="x", which="minor", color="#cccccc", linewidth=0.8)
        ax.tick_params(axis="x", which="minor", length=0)
        ax.set_yticks([p for p, _, _ in labels])
        ax.set_yticklabels([t for _, t, _ in labels], fontproperties=font, fontsize=10)
        for tick, (_, _, head) in zip(ax.get_yticklabels(), labels):
            if head:
                tick.set_fontweight("bold")
                tick.set_fontsize(11)
        ax.tick_params(axis="y", length=0)
        docs = [documents[d] for d in dict.fromkeys(e.doc_id for _, e, _ in rows)]
        years = sorted({e.year for _, e, _ in rows if e.year})
        fig.suptitle(_title(docs, years), fontproperties=font, fontsize=14, x=0.01, ha="left")
        fig.text(0.01, 0.005, "浅色块：整月的事项　深色条：写明日期或上中下旬的事项　横线：每月进行的事项",
                 fontproperties=font, fontsize=10, color="#555555")
        fig.tight_layout(rect=(0, 0.02, 1, 1))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        width, height = (int(v) for v in fig.get_size_inches() * DPI)
        plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message).lower()]
    for text in missing:
        log.warning("plan picture: %s", text)
    return Chart(buf.getvalue(), len(rows), len(docs), width, height, missing)
