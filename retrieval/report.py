"""What a reindex, an added circular and the indexed documents are reported as, and the names of
the reindexing stages: one wording for the command line and the chat."""
from __future__ import annotations

from .models import Document
from .render import NAME_SHOWN, TITLE_SHOWN, clip

STAGES = {"parse": "解析文件", "embed": "计算向量", "write": "写入索引"}


def stage_name(stage: str) -> str:
    return STAGES.get(stage, stage)


def progress_text(stage: str, done: int, total: int) -> str:
    """The chat's progress line while reindexing (the terminal shows a bar per stage)."""
    return f"正在重建索引……{stage_name(stage)} {done}/{total}"


def reindex_lines(report) -> list[str]:
    """A reindex: counts and seconds, each file not indexed with the reason, furniture dropped."""
    lines = [f"索引已重建：{report.documents} 份文件，{report.chunks} 个段落，{report.schedule} 条日程，"
             f"新计算向量 {report.embedded} 个（复用 {report.reused} 个），用时 {report.seconds:.1f} 秒"]
    # files not indexed first (a message cut short keeps them), then each file read this time
    lines += [rejected_line(name, reason) for name, reason in report.rejected]
    lines += [read_line(f) for f in report.read]
    if report.unplaced:
        # searched by their text all the same; an admin may want to name the place in the file
        lines.append(f"地区不详（标题、发文机关和落款都没有写明地区）：{'，'.join(clip(n, NAME_SHOWN) for n in report.unplaced)}")
    if report.dropped:
        lines.append(f"去掉网页/文档站附加内容 {sum(report.dropped.values())} 行："
                     + "，".join(f"{clip(name, NAME_SHOWN)} {n} 行" for name, n in report.dropped.items()))
    return lines


def read_line(f) -> str:
    return (f"读取 {clip(f.file, NAME_SHOWN)}：{clip(f.title, TITLE_SHOWN) or '标题未识别'}｜"
            f"{f.region or '地区不详'}｜{f.date or '日期不详'}｜段落 {f.chunks} 个，日程 {f.schedule} 条")


def rejected_line(name: str, reason: str) -> str:
    return f"未收录 {clip(name, NAME_SHOWN)}：{clip(reason, 2 * NAME_SHOWN)}"


def added_lines(result, shown: str, replaced: bool = False) -> list[str]:
    """An added (or replacing) circular: where it was saved and what was understood of it."""
    def field(value, limit=NAME_SHOWN):
        return clip(value, limit) if value else "未识别"
    verb = "已替换为" if replaced else "已添加"
    return [f"{verb} {shown}（保存为 {result.file}）", f"标题：{field(result.title, TITLE_SHOWN)}",
            f"发文机关：{field(result.issuer)}", f"文号：{field(result.doc_number)}",
            f"日期：{field(result.date)}", f"地区：{field(result.region)}",
            f"段落：{result.chunks} 个，日程：{result.schedule} 条，用时 {result.seconds:.1f} 秒"]


def doc_card(d: Document) -> tuple[str, str, str, str]:
    """One indexed document as (title, region · year, 文号 · date, 文件编号): what `docs` and /docs
    show, title first (an upload's 文件编号 says nothing to a reader)."""
    from .scope import place_name
    date = d.date or d.printed_date or d.published or "日期不详"
    # the region with its parents (四川省 广安市 武胜县), the year and the kind of document
    where = " ".join(d.region_path) if d.region_path else place_name(d)
    head = " ".join(p for p in (clip(where, NAME_SHOWN), f"{d.year}年" if d.year else "", d.kind) if p)
    return (clip(d.title, TITLE_SHOWN) or "标题未识别", head,
            f"{clip(d.doc_number or '无文号', NAME_SHOWN)} · {clip(date, NAME_SHOWN)}",
            clip(d.doc_id, 2 * TITLE_SHOWN))


def docs_head(docs: list[Document]) -> str:
    """“已收录 4 份工作要点：”, or “份文件” when they are of several kinds."""
    from .scope import kind_name
    return f"已收录 {len(docs)} 份{kind_name(docs)}："
DOC_HINT = "发送 /doc 文件编号 可获取文件原件。"


def docs_text(docs: list[Document]) -> str:
    """The `docs` listing as plain text."""
    lines = [docs_head(docs)]
    for d in docs:
        title, head, number, doc_id = doc_card(d)
        lines.append(f"{title}\n  {head}\n  {number}\n  文件编号：{doc_id}")
    return "\n".join(lines)
