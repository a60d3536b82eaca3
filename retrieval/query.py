"""Question → Query: the one place a question is understood — what kind of answer it wants
(intent, with a confidence), which regions, years and months, and the topic words that are left
once region names, times, question words and spoken fillers are taken out.
"""
from __future__ import annotations

import re
from pathlib import Path
from dataclasses import dataclass, field
from datetime import date

from . import timeexpr

from .datafile import rows
from .details import named_schools
from .lexical import expand, tokenize, word_frequency
from .models import Document
from .textnorm import normalize

MAX_QUESTION = 300

# Questions about the document itself, answered from its metadata (the first in this order decides
# the intent; each one asked is answered).
META_INTENTS = [
    ("copy_to", re.compile(r"抄送|抄报")),
    ("recipients", re.compile(r"主送|通知对象|发文对象|面向哪些单位|(发|印发|下发|发送)给了?.{0,2}(谁|哪(些|个|几个)?(单位|部门|学校)?)|发到哪|发往|送达|给哪些单位|给谁的")),
    ("attachments", re.compile(r"附件|附了什么|附表")),
    ("doc_number", re.compile(r"文号|发文字号|文件号|字号|几号文|编号")),
    ("issuer", re.compile(r"发文机关|出自哪|以谁的名义|(哪个|什么|啥)(单位|部门|机关)的(文件|通知)|发文的是|发文单位|落款(单位|机关|部门|是谁|是哪个|是哪家)|署名|印发单位|发布单位|发布机构|(哪个|什么|啥)(单位|部门|机关)(发|印发|下发|制定|发布|颁布|出)|(谁|哪里|哪儿)(发|印发|下发|制定|发布|颁布|出)的")),
    ("public", re.compile(r"公开|保密|密级")),
    ("date", re.compile(r"落款(?!单位|机关|部门|是谁|是哪个|是哪家)|哪(一)?天的(文件|通知|函)|(文件|通知|函)的?日期|成文于|(文件|通知|函|要点|方案|总结|通报|计划|条例|法律|规定|办法)》?(是)?(发布|印发|下发|出台|公布)于|(下|发|出)的文|同一天(印发|发布|发)|(谁|哪个)先(印发|发布|发)|(是|分别是)?哪(一)?年的[?？]*$|(哪天|哪一天|几号|什么时候|啥时候|何时|哪年|日期|时间)(印发|发布|发的|下发|出台|发出|成文)|"
                        r"(印发|发布|发文|成文|下发|出台)(的)?(日期|时间)|(印发|发布|下发|出台)的$|(是|在)?(哪天|哪一天|什么时候|啥时候)(印发|发布|出)的|"
                        r"[月日号初底旬]份?(印发|下发|出台|发)的(吗|吧|[?？]|$)|(挂|放|发|传|贴)(到|在)?网上")),
    # a school or a person that 叫什么名字 asks for a list of names, not the document's title
    ("title", re.compile(r"标题|全称是|文件名|题目|(?<![校园所组人长师])叫什么")),
    # the web page a copy was taken from: its read counter, its column, the site that runs it
    ("page", re.compile(r"浏览|阅读量|阅读次数|点击量|点击数|访问量|多少人(看|读)|栏目|主办的?网站")),
]
FORMS_FILE = Path(__file__).parent / "data" / "question_forms.txt"


FORMS = {name: re.compile(pattern) for name, pattern in rows(FORMS_FILE, 2)}   # form → how it reads


def without_form(text: str, form: str) -> str:
    """`text` with the words of one question form taken out (先…还是 of a which-first question)."""
    return FORMS[form].sub("", text)


# Words that make a month question generic ("四月做什么"): with nothing else, the whole month
MONTH_WORDS = set("""做什么 干什么 干啥 做啥 搞啥 有什么 有哪些 有啥 安排 工作 督导 任务 计划 事项 活动 评估 检查 调研 要做 要干
重点 重点工作 主要 内容 事情 事 啥 什么 哪些 搞 干 做 要 都 的 有 份 月份 工作安排 督导工作 专项 具体""".split())
# Spoken fillers and particles, removed before the topic is read
# what a speaker says of themselves before asking (我是XX小学的校长，…): who asks is not what
# is asked; a place it names has already scoped the question
SPEAKER = (r"我(?:是|们是)[^，,。？?！!]{0,24}?(?:园长|校长|副校长|老师|教师|督学|主任|家长|书记|局长|工作人员)[，,。！!]?|"
           r"我们(?:园|学校|幼儿园)(?=[的里要])")
FILLERS = re.compile(SPEAKER + r"|(从)?哪(一)?天到哪(一)?天|几号到几号|(从)?几月到几月|到底|究竟|请问一下|请问|我想问一下|我想问下|想问一下|想问下|问一下|问下|麻烦问下|麻烦问一下|麻烦|打听一下|"
                     r"帮我查一下|帮我查查|帮我查|帮忙查一下|查一下|告诉我|我想知道|想知道|知道不|谁知道|有人知道|"
                     r"一下子|一下|哈$|呀|啊|呢|吧|嘛|咯|啦|哦|喔|呗|哇|捏|"
                     # hesitations: said while thinking, anywhere in a spoken question
                     r"嗯+|呃+|就是说|就是|来着|那个(?![月年])|这个(?![月年])")
# The form of a question, not its topic: A不A / A没A (能不能, 包不包括 → 包括), counted-list
# quantifiers (哪几种, 几项, 几大块) and spoken hedges (还是, 那边)
RE_ASKING_FORM = re.compile(r"([\u4e00-\u9fff])[不没]\1|哪?几大?(?:个|项|条|种|类|块|步|点|件|所|部分|方面)|还是|那边|这边|只|仅")
# one-character verbs of a spoken question (要看哪几方面, 找哪些人, 用哪些方式, 交给谁)
ASKING_VERBS = set("看 找 用 交 当 样 人".split())
RE_FOLLOWUP_MORE = re.compile(r"^(那)?(还有(吗|呢|别的|其他的?|啥|什么)?|其他的?呢?|别的呢?|更多|下一[个条]|继续)[?？。!！]*$")
RE_FOLLOWUP_DETAIL = re.compile(r"^(那)?(具体|详细)(怎么|咋|如何)?(做|办|搞|说|讲|安排)?(的|呢|啊|吗)?[?？。!！]*$|^怎么(做|搞|弄)[?？]*$")
RE_FOLLOWUP_SHORT = re.compile(r"^(那|那么|那个)?(.{1,12}?)(呢|的呢|怎么样|咋样|如何)[?？。!！]*$")


# Terms that come in opposite pairs: a question naming one side is not answered by a passage
# that names only the other (秋季开学 ≠ 春季开学); the third member names both (春秋季开学).
CONTRASTS = [(("春季", "春学期", "春期"), ("秋季", "秋学期", "秋期"), ("春秋",)),
             (("上半年",), ("下半年",), ("全年",)),
             (("寒假",), ("暑假", "暑期"), ("寒暑假",))]


def contrast(norm: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words the question names, their opposites) for each pair where it names one side only."""
    wanted: list[str] = []
    other: list[str] = []
    for a, b, both in CONTRASTS:
        has_a, has_b = any(w in norm for w in a), any(w in norm for w in b)
        if has_a != has_b and not any(w in norm for w in both):
            wanted.extend((a if has_a else b) + both)
            other.extend(b if has_a else a)
    return tuple(wanted), tuple(other)


@dataclass
class Query:
    question: str
    norm: str                         # normalized question
    text: str                         # normalized, with region, time and question words removed
    tokens: list[str]
    alts: dict[str, list[list[str]]] = field(default_factory=dict)  # token → synonyms (as tokens)
    regions: list[str] = field(default_factory=list)   # region keys (Document.region_key)
    region_words: list[str] = field(default_factory=list)  # the names the question used
    intent: str = "passage"           # meta | month | when | yesno | order | list | exists | compare | passage
    meta_field: str = ""              # which metadata field a meta question asks for
    meta_fields: list[str] = field(default_factory=list)   # all it asks for, in its order (文号和日期)
    confidence: float = 1.0           # of the intent; special answers step aside below CONFIDENT
    asked: timeexpr.AskedTime = field(default_factory=timeexpr.AskedTime)
    problem: str = ""                 # why the question cannot be searched, if it cannot
    followup: str = ""                # "more" | "detail" | "short": leans on the previous question
    doc_ids: list[str] = field(default_factory=list)  # documents it names by 文号 or by title
    unknown_places: list[str] = field(default_factory=list)  # places it names that no document is from
    # a named item (“学生近视防控专项督导”) and the words of its name no circular uses (近视)
    unheld: tuple[str, list[str]] = ("", [])
    # (words, opposites): 秋季 asked, so a passage naming only 春季 does not answer it
    contrast: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    forms: frozenset[str] = frozenset()   # how it is asked: when, yesno, exists, order, list, schedule, compare

    def contradicted_by(self, text: str) -> bool:
        """Whether a passage names only the opposite of a term the question asks about."""
        wanted, other = self.contrast
        return bool(other) and any(w in text for w in other) and not any(w in text for w in wanted)

    @property
    def is_meta(self) -> bool:
        return bool(self.meta_field)


CONFIDENT = 0.6
# An item a question names by its kind: “…专项督导”, “…督导评估”. A word of its name that no
# circular uses (and no synonym of it) means the circulars do not plan that item.
RE_NAMED_ITEM = re.compile(r"([\u4e00-\u9fff]{2,12}?)(专项督导|专项检查|专项督查|专项评估|督导评估)")
# jieba's frequency above which a word is everyday language (还有, 一起), not part of a name
COMMON_WORD = 10_000


def alias_table(documents: list[Document]) -> list[tuple[str, frozenset[str]]]:
    """(normalized name, region keys) pairs, longest name first so 东湖高新区 beats 东湖; a city
    or province name stands for every indexed region under it (广安 → 武胜县)."""
    keys: dict[str, set[str]] = {}
    for d in documents:
        for alias in [d.region] + list(d.aliases):
            if alias:
                keys.setdefault(normalize(alias), set()).add(d.region_key)
    return sorted(((a, frozenset(k)) for a, k in keys.items()), key=lambda p: -len(p[0]))


def match_regions(text: str, aliases) -> tuple[list[str], str, list[str]]:
    """Region keys a text names, the text with those names blanked out, and the names. Names
    that narrow each other (福州 + 鼓楼区) give their common regions; others (武胜和江阴) add up."""
    found: list[frozenset[str]] = []
    words: list[str] = []
    for alias, keys in aliases:
        if alias and alias in text:
            found.append(keys)
            words.append(alias)
            text = text.replace(alias, " ")
    if not found:
        return [], text, []
    common = frozenset.intersection(*found)
    chosen = common if common else frozenset().union(*found)
    names = [alias for alias, keys in aliases if keys & chosen]
    return sorted(chosen), _strip_name_rest(text, names), words


def _strip_name_rest(text: str, names: list[str]) -> str:
    """Blank the rest of a place's name right after a name the question used (“武汉高新区”:
    武汉 found, 高新区 is part of 东湖高新区), so it does not count as a topic word."""
    def rest(m: re.Match) -> str:
        run = m.group(1)
        for size in range(len(run), 1, -1):
            if any(run[:size] in n for n in names):
                return m.group(0)[:m.start(1) - m.start()] + " " * size + run[size:]
        return m.group(0)
    return re.sub(r"(?<= )([\u4e00-\u9fff]{2,})", rest, text)


def _strip_time(text: str) -> str:
    text = re.sub(r"(19|20)\d{2}\s*年?(度)?", " ", text)
    for w in timeexpr.find_all(text):
        if w.approximate:
            continue  # 秋季开学 is the topic of "秋季开学调研是在9月吗", not only a time
        text = text[:w.start] + " " * (w.end - w.start) + text[w.end:]
    text = timeexpr.RE_RELATIVE_MONTH.sub(" ", text)
    return timeexpr.RE_RELATIVE_YEAR.sub(" ", text)


def unknown_places(text: str, places, aliases, in_corpus=None) -> list[str]:
    """Places a question names (成都, 海淀区) that are not the region of any indexed document, nor
    part of one's name, nor named in the documents' text (涵江区 in 莆田's notice is a topic)."""
    known = [a for a, _ in aliases]
    in_corpus = in_corpus or (lambda name: False)
    found = []
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        i = 0
        while i < len(run):
            for size in range(min(7, len(run) - i), 1, -1):
                w = run[i:i + size]
                if w in places and not any(w in k or k in w for k in known) and not in_corpus(w):
                    found.append(w)
                    i += size - 1
                    break
            i += 1
    return found


def parse_question(question: str, documents: list[Document],
                   aliases: list | None = None, today: date | None = None, speller=None,
                   places=frozenset(), in_corpus=None, inside_word=None) -> Query:
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
    q.asked = timeexpr.parse_question(norm, today or date.today())
    q.forms = frozenset(name for name, form in FORMS.items() if form.search(norm))
    flat = norm.replace(" ", "")
    q.doc_ids = [d.doc_id for d in documents
                 if d.doc_number and normalize(d.doc_number).replace(" ", "") in flat]
    aliases = aliases if aliases is not None else alias_table(documents)
    q.regions, text, q.region_words = match_regions(norm, aliases)
    titled, without_title = named_by_title(norm, documents, q.regions)
    if titled and not q.doc_ids:
        # a question that names a document by its title (《郑州市教育督导条例》, 学前法) is about
        # that document; the title's words name it, they are not what is asked
        q.doc_ids = titled
        text = match_regions(without_title, aliases)[1]
    elif q.doc_ids:
        # a 文号 names the document, like a region name: not a topic word (国教, 督办, 函, 16);
        # taken out before the place names, which may begin it (大足教发〔2021〕20号), and
        # however it is spaced
        without = norm
        for d in documents:
            if d.doc_id in q.doc_ids:
                spaced = r"\s*".join(map(re.escape, normalize(d.doc_number).replace(" ", "")))
                without = re.sub(spaced, " ", without)
        text = match_regions(without, aliases)[1]
    if places and not q.regions:
        q.unknown_places = unknown_places(norm, places, aliases, in_corpus)
    bare = FILLERS.sub(" ", norm).strip()
    if RE_FOLLOWUP_MORE.match(bare):
        q.followup = "more"
    elif RE_FOLLOWUP_DETAIL.match(bare):
        q.followup = "detail"
    text = FILLERS.sub(" ", _strip_time(text))
    text = RE_ASKING_FORM.sub(lambda m: m.group(1) or " ", text)
    asked_fields = sorted((m.start(), name) for name, pattern in META_INTENTS if (m := pattern.search(norm)))
    if asked_fields:
        # the first by the list's order decides the intent; "文号和发文日期" asks both, in its order
        q.meta_field = next(name for name, _ in META_INTENTS if name in {n for _, n in asked_fields})
        q.meta_fields = [name for _, name in asked_fields]
        # “发给谁” asks for a field; it is not what the document is about
        text = dict(META_INTENTS)[q.meta_field].sub(" ", text)
    text = " ".join(text.split())
    q.text = speller.correct(text) if speller is not None else text
    q.tokens = [t for t in tokenize(q.text, in_corpus) if t not in ASKING_VERBS]
    if not q.tokens:
        # “每月有哪些”: a frequency is what is asked about when nothing else is
        q.tokens = [t for w in timeexpr.find_all(norm) if w.recurring for t in tokenize(norm[w.start:w.end])]
    q.alts = expand(q.tokens)
    if in_corpus is not None and inside_word is not None:
        q.unheld = unheld_item(q.text, q.alts, in_corpus, inside_word)
    q.contrast = contrast(norm)
    topic = [t for t in q.tokens if t not in MONTH_WORDS]
    q.intent, q.confidence = _intent(q, topic)
    # “X呢” with no question word of its own (责任督学培训呢) leans on the previous question however
    # many words X has; one with a question word (…什么时候开始呢) only when it is short
    if not q.followup and RE_FOLLOWUP_SHORT.match(norm.strip()) and (len(topic) <= 3 or not q.forms) \
            and not q.meta_field and q.intent in ("passage", "month", "exists"):
        q.followup = "short"
    if not q.tokens and not q.regions and not q.meta_field and not q.asked.months and not q.followup:
        q.problem = "empty"
    return q


# the kinds of document a title ends with, as a question names them (…条例, 学前法, …工作要点);
# not 报告, 总结, 计划 alone, which are as often the things a plan asks for (督导报告)
RE_TITLE_KIND = re.compile(r"(条例|规定|办法|细则|法|工作要点|要点|工作计划|方案|意见|通知|通报)")
MAX_NAMED = 2   # a name that fits more documents than this names none of them


def _gaps(part: str, whole: str) -> int | None:
    """Characters of `whole` skipped to find `part` in it in order (from the end), else None."""
    j, skipped = len(whole), 0
    for ch in reversed(part):
        k = whole.rfind(ch, 0, j)
        if k < 0:
            return None
        if j != len(whole):
            skipped += j - k - 1
        j = k
    return skipped


def title_forms(doc: Document) -> list[str]:
    """A document's title as questions may name it: whole, and the plan it issues (《…》)."""
    title = normalize(doc.title).replace(" ", "")
    forms = [re.sub(r"[(（][^)）]*[)）]$", "", title)]
    forms += [re.sub(r"[(（][^)）]*[)）]$", "", t) for t in re.findall(r"《([^》]+)》", title)]
    return [f for f in forms if f]


def named_by_title(norm: str, documents: list[Document], regions: list[str] = ()) -> tuple[list[str], str]:
    """(documents, question without the name) when the question names documents by title: a
    《title》, or a run of words ending with the title's kind whose characters stand in the
    title in order (郑州督导条例 → 郑州市教育督导条例, 学前法 → …学前教育法); a name that fits
    many documents (督导工作要点), or a document of another region than the question's, is none."""
    flat = norm.replace(" ", "")
    forms = {d.doc_id: title_forms(d) for d in documents if d.title}
    best: dict[str, tuple[int, int]] = {}
    for m in RE_TITLE_KIND.finditer(flat):
        end, kind = m.end(), m.group(1)
        for doc_id, titles in forms.items():
            for core in titles:
                if not core.endswith(kind):
                    continue
                start = end - len(kind)
                while start > 0 and (g := _gaps(flat[start - 1:end], core)) is not None and g <= end - start + 1:
                    start -= 1
                quoted = start > 0 and flat[start - 1] == "《"
                if end - start >= len(kind) + 2 or quoted:
                    span = best.get(doc_id)
                    if span is None or end - start > span[1] - span[0]:
                        best[doc_id] = (start, end)
    if regions:
        by_id = {d.doc_id: d for d in documents}
        best = {k: v for k, v in best.items() if by_id[k].region_key in regions}
    if not best:
        return [], norm
    longest = max(e - s for s, e in best.values())
    s, e = next(span for span in best.values() if span[1] - span[0] == longest)
    name = flat[s:e]
    fits = [d for d, titles in forms.items() if any(_gaps(name, t) is not None for t in titles)]
    chosen = [d for d, span in best.items() if span[1] - span[0] == longest]
    if len(fits) > MAX_NAMED or len(chosen) > MAX_NAMED:
        return [], norm
    without = re.sub(r"\s*".join(map(re.escape, name)), " ", norm, count=1)
    return chosen, without




def named_school(text: str) -> tuple[str, str] | None:
    """(own name, kind) of the first school a question names by a proper name (龙江路小学)."""
    return next(((name, kind) for _, name, kind in named_schools(text)), None)


def unheld_item(text: str, alts: dict[str, list[list[str]]], in_corpus, inside_word) -> tuple[str, list[str]]:
    """(the item, its words no circular uses) when the question names an item by its kind, or a
    school by its own name, and some word of the name is foreign to every circular: not used,
    not inside a word used (测试 in 测试县), no synonym used, not made of words that are (新一轮 =
    新 + 一轮), not everyday language; ("", []) otherwise."""
    def held(t: str, words: list[str]) -> bool:
        if in_corpus(t) or inside_word(t) or any(all(in_corpus(p) for p in alt) for alt in alts.get(t, ())):
            return True
        parts = [u for u in words if u != t and u in t and in_corpus(u)]
        return sum(len(u) for u in parts) >= len(t) - 1 or word_frequency(t) > COMMON_WORD

    school = named_school(text)
    if school and not held(school[0], tokenize(school[0])):
        # a school the question names by its own name (龙江路小学) that no document names
        return school[0] + school[1], [school[0]]
    m = RE_NAMED_ITEM.search(text.replace(" ", ""))
    if not m:
        return "", []
    words = [t for t in tokenize(m.group(1)) if len(t) >= 2]
    # a name's word is a word: a two-character piece jieba's dictionary does not know (少所 of
    # 多少所) is what is left of the question around it, not a word of the name
    foreign = [t for t in words if not held(t, words) and (len(t) >= 3 or word_frequency(t))]
    foreign = [t for t in foreign if not any(t != u and t in u for u in foreign)]   # 营养餐, not 营养 too
    if not foreign:
        return "", []
    # the name as said, from its first word (“有学生近视…” → “学生近视…”)
    return m.group(0)[max(0, m.group(1).find(words[0])):], foreign


def _intent(q: Query, topic: list[str]) -> tuple[str, float]:
    """The answer kind a question wants, and how sure the wording makes it."""
    if q.meta_field:
        return "meta", 0.9
    months = q.asked.months
    if "order" in q.forms and topic:
        return "order", 0.8
    # two places named, not one name that covers two (甘肃省 and a county of it); a month or a
    # time asked of both is answered per place by the month or when answer
    places = len(q.regions) >= 2 and len(set(q.region_words)) >= 2
    if places and ("compare" in q.forms or topic) and not months and "when" not in q.forms:
        return "compare", 0.7
    # “1月有什么督导安排吗” asks what the month holds, “评估是在1月吗” whether the item is in it
    if months and "yesno" in q.forms and topic and "schedule" not in q.forms:
        return "yesno", 0.8
    if "when" in q.forms and topic:
        return "when", 0.8
    if months:
        # "四月做什么": the whole month; "5月有哪些复查安排": the month's entries about 复查;
        # "3月挂牌督导访谈谁": a question about a passage
        if not topic:
            return "month", 0.9
        if "list" in q.forms or "schedule" in q.forms:
            return "month", 0.7
        # the month's entries about the topic, if there are any; else passage search
        return "month", 0.65
    if "list" in q.forms and topic:
        return "list", 0.7
    if ("exists" in q.forms or "yesno" in q.forms) and topic:
        return "exists", 0.7
    return "passage", 0.8
