"""Page furniture out of a document's text: what a web page, a document-sharing site or a PDF
adds around the circular (breadcrumbs, read counters, share links, site boilerplate, page
numbers, pinyin glosses), and line structure back where a web copy flattened it.

Runs on the text of every format before parsing; returns the citable text and how many lines it
dropped, so the reindex report can say so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .textnorm import to_simplified

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# 督導(dǎo): a pinyin syllable with a tone mark in brackets right after a character
PINYIN_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])[(（][a-zü]*[{_TONED}][a-zü]*[)）]")

# a page's own fields (the loaders keep them from the page around an article, meta reads them),
# which a line of furniture may carry too ("发布时间：2022-03-01  浏览次数：321")
PAGE_FIELD = re.compile(r"(发布时间|发布日期|发文日期|成文日期|印发日期|发布机构|发文机关|发文字号|文\s*号|来\s*源|作\s*者)\s*[:：]")
# where the next of several fields on one line starts ("来源：某局  发布日期：…")
NEXT_FIELD = re.compile(r"(?<=\S)\s+(?=[\u4e00-\u9fff]{2,5}\s*[:：])")
RE_COUNTER = re.compile(r"(浏览量|浏览次数|阅读次数|阅读量|点击数|点击量|访问量|访问次数)\s*[:：]?\s*\d+")

FURNITURE = [
    re.compile(r"^(您的位置|当前位置|您现在的位置|所在位置|位置)\s*[:：]"),
    re.compile(r"首页\s*(>|＞|»|›|>>)"),
    re.compile(r"【\s*大\s*】\s*【\s*中\s*】\s*【\s*小\s*】|^(字体|字号)(大小)?\s*[:：]"),
    # a site's navigation bar, starting from its home page: "网站首页 机构概况 信息公开"
    re.compile(r"^(网站)?首页(\s*[|｜·]?\s*[\u4e00-\u9fff]{2,8}){2,}$"),
    # a site's footer: who runs it, its registration numbers
    re.compile(r"版权所有\s*[:：©]|主办单位\s*[:：]|承办单位\s*[:：]|技术支持\s*[:：]|网站标识码|ICP\s*备|公网安备"),
    RE_COUNTER,
    re.compile(r"有\s*\d+\s*位读者读过|^作者\s*[:：]\s*\S{0,12}$"),
    re.compile(r"^(【?打印本页】?|【?关闭窗口】?|【打印】|【关闭】|分享到|返回顶部|上一篇|下一篇|查看更多|扫一扫|"
               r"打印|关闭|收藏|纠错)\s*[:：]?\s*$"),
    # document-sharing sites: their payment, copyright and sharing terms, not the circular
    re.compile(r"本站所有内容|本站不对|版权申诉|侵权必究|付费(后|前|下载|阅读|服务)|一经付费|如您付费|二次下载|由会员分享|可在线阅读|"
               r"文档.{0,4}(上传|下载)|举报电话|珍藏版"),
    # a file name echoed as a line of its own
    re.compile(r"^[^。，；]{2,80}\.(doc|docx|pdf|wps|txt)\s*$", re.I),
    # page numbers of PDF copies: "—1—", "- 2 -", "第3页 共5页"
    re.compile(r"^[-—–－]{1,3} {0,3}\d{1,3} {0,3}[-—–－]{1,3}$"),
    re.compile(r"^第\s*\d+\s*页(\s*[/,，]?\s*共\s*\d+\s*页)?$"),
    # a comment a Markdown or HTML copy left in (<!-- INFO END -->)
    re.compile(r"^<!--.*-->$"),
    # a site's contact block: its telephone and its address on one line
    re.compile(r"(电话|联系方式).{0,40}(地址|邮编)|(地址|邮编).{0,40}(电话|联系方式)"),
    # a site's greeting and the day's date, a page without a title of its own
    re.compile(r"欢迎(您|你)?(访问|光临|来到)|网站欢迎(您|你)|^今天是\s*[:：]|[，,\s]今天是\s*[:：]|^无标题(文档|页面)?$"),
    # a toolbar: nothing but the page's tools (字体 大 中 小, 打印本页, 关闭窗口, 收藏, 分享 …)
    re.compile(r"^([\[【(（]?\s*(字体|字号|大|中|小|打印本页|打印|关闭窗口|关闭|收藏|分享到|分享|纠错|返回顶部|"
               r"返回|视力保护色|默认|繁体|简体|无障碍|保存|我要打印)\s*[\]】)）]?\s*[:：|｜/]?\s*){2,}$"),
]
# "…全覆盖—1—" at the end of a line of a PDF copy
# bounded spaces: a run of thousands of spaces must not make this quadratic
TRAILING_PAGE_NO = re.compile(r"[ \u3000]{0,3}[—–－-][ \u3000]{0,3}\d{1,3}[ \u3000]{0,3}[—–－-][ \u3000]{0,3}$")
# Line starts that document-sharing sites put at page breaks: "2、" continuing a cut sentence
PAGE_MARK = re.compile(r"^\s*(\d{1,2})、")
TERMINAL = "。！？；：:;!?」』”）)"
# Section markers inside a flattened line (a web copy that lost its line breaks)
INLINE_L1 = re.compile(r"(?<=[。；！？\s)）])(?=[一二三四五六七八九十]{1,3}、)")
INLINE_L2 = re.compile(r"(?=[（(][一二三四五六七八九十]{1,3}[）)])")
INLINE_L3 = re.compile(r"(?<=[。；！？\s])(?=\d{1,2}[.．](?!\d))")
FLAT_LINE = 200   # characters; a line this long with several section markers was flattened


@dataclass
class Cleaned:
    text: str
    dropped: int      # lines of page furniture removed
    glosses: int = 0  # pinyin glosses removed
    pages: list[int] = field(default_factory=list)  # where each PDF page starts in `text`
    page_lines: list[str] = field(default_factory=list)   # the page's own facts among the furniture


# furniture that still says something about the page a reader may ask (浏览次数, 栏目, 主办):
# kept beside the text, out of the passages
PAGE_FACT_WIDTH = 80   # a document site's terms run longer: no fact of the page
PAGE_FACT = re.compile(r"浏览|阅读|点击|访问|当前位置|您的位置|所在位置|您现在的位置|首页\s*(>|＞|»|›)|主办|承办|版权所有|来\s*源|作\s*者")




def without_counters(line: str) -> str:
    """A line of page fields with its read counter taken out, the fields kept."""
    return RE_COUNTER.sub("", line).rstrip()


def is_furniture(line: str) -> bool:
    """A line a web page or a document site added around the circular (read in simplified
    characters: 【字體：大 中 小】 is a toolbar too)."""
    t = line.strip()
    if not t or len(t) > 300:
        return False
    t = to_simplified(t)
    return any(p.search(t) for p in FURNITURE)


def _join_page_marks(lines: list[str]) -> list[str]:
    """Doc-sharing copies restart each page with "1、", "2、", … in the middle of a sentence:
    numbered in order from 1, each after a line that does not end a sentence."""
    marks = [i for i, ln in enumerate(lines) if PAGE_MARK.match(ln)]
    seq = [int(PAGE_MARK.match(lines[i]).group(1)) for i in marks]
    if len(marks) < 2 or seq != list(range(1, len(seq) + 1)):
        return lines
    later = marks[1:]
    if not all(i > 0 and lines[i - 1].rstrip() and lines[i - 1].rstrip()[-1] not in TERMINAL
               for i in later):
        return lines
    out = list(lines)
    out[marks[0]] = PAGE_MARK.sub("", out[marks[0]], count=1)
    for i in reversed(later):
        prev = i - 1
        out[prev] = out[prev].rstrip() + PAGE_MARK.sub("", out[i], count=1).lstrip()
        out[i] = None
    return [ln for ln in out if ln is not None]


def _unflatten(line: str) -> list[str]:
    """Split a flattened line at its section markers (二、 / （一） / 1.)."""
    if len(line) < FLAT_LINE:
        return [line]
    cuts = set()
    for pat in (INLINE_L1, INLINE_L2, INLINE_L3):
        cuts.update(m.start() for m in pat.finditer(line) if m.start() > 0)
    if len(cuts) < 2:
        return [line]
    out, last = [], 0
    for c in sorted(cuts):
        piece = line[last:c].strip()
        if piece:
            out.append(piece)
        last = c
    out.append(line[last:].strip())
    return [p for p in out if p]


RE_PIPE_RULE = re.compile(r"^\s*[|｜]?(\s*:?-{2,}:?\s*[|｜])+\s*:?-*:?\s*$")   # |---|:--:|
RE_PIPE_ONLY = re.compile(r"^\s*[|｜]+\s*$")
RE_FIELD_CELL = re.compile(r"^[\u4e00-\u9fff]{2,6}\s*[:：]")


def _pipe_rows(line: str) -> str:
    """A table row a web or Markdown copy wrote with pipes (`| 四月 | 督导评估 |`), as the
    tab-separated row the structure parser reads (a line that is only a pipe, between the cells
    of a table written one cell per line, stays: it keeps those cells apart)."""
    if RE_PIPE_ONLY.match(line):
        return line
    if RE_PIPE_RULE.match(line):
        return ""
    t = line.strip()
    if t and t[0] in "|｜":
        cells = [c.strip() for c in re.split(r"[|｜]", t.strip("|｜"))]
        if any(RE_FIELD_CELL.match(c) for c in cells):
            return line     # a page's info table (| 发布机构: | 某某县教育局 |): its fields are read as such
        return "\t".join(cells)
    return line


def clean_page(text: str) -> Cleaned:
    """The circular without the page around it."""
    text, glosses = PINYIN_GLOSS.subn("", text)
    kept, dropped, facts = [], 0, []
    for line in (_pipe_rows(ln) for ln in text.split("\n")):
        if PAGE_FIELD.search(line) and RE_COUNTER.search(line):
            facts.extend(m.group(0) for m in RE_COUNTER.finditer(line))
            line = without_counters(line)   # the counter goes, the page's fields stay
            if not is_furniture(line):
                dropped += 1
        if is_furniture(line):
            dropped += 1
            if len(line.strip()) <= PAGE_FACT_WIDTH and PAGE_FACT.search(to_simplified(line)):
                facts.append(" ".join(line.split()))
            continue
        kept.append(TRAILING_PAGE_NO.sub("", line) if re.search(r"[\u4e00-\u9fff]", line) else line)
    kept = _join_page_marks(kept)
    out = []
    for line in kept:
        out.extend(_unflatten(line))
    text, pages = _page_starts(out)
    return Cleaned(text, dropped, glosses, pages, list(dict.fromkeys(facts)))


def _page_starts(lines: list[str]) -> tuple[str, list[int]]:
    """The text without its page-break lines (a PDF's form feeds), and where each page starts."""
    if "\x0c" not in lines:
        return "\n".join(lines), []
    starts, pos, out = [0], 0, []
    for line in lines:
        if line == "\x0c":
            line = ""
            starts.append(pos + 1)
        out.append(line)
        pos += len(line) + 1
    return "\n".join(out), starts
