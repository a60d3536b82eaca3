"""Questions as people type them: one parser (intent, regions, time, topic), typos, synonyms,
fillers, special answers that step aside, honest first lines, and conversation context."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.context import Conversations
from retrieval.evaluate import _flat
from retrieval.lexical import SYNONYMS, expand, tokenize
from retrieval.render import to_text
from retrieval.textnorm import normalize
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


def _jsonl(name: str) -> list[dict]:
    """Cases kept as data in tests/data/."""
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("question,intent,field",
                         [(c["question"], c["intent"], c["field"]) for c in _jsonl("intent_cases.jsonl")])
def test_one_parser_reads_the_intent(engine, question, intent, field):
    q = engine.parse(question)
    assert (q.intent, q.meta_field) == (intent, field)


def test_fillers_and_question_words_are_not_topic_words(engine):
    q = engine.parse("请问一下武胜四月份到底搞啥督导啊？")
    assert q.intent == "month" and q.asked.months == [4]
    assert not {"请问", "一下", "啥", "啊", "搞"} & set(q.tokens)


@pytest.mark.parametrize("typed,meant", [
    ("幼儿圆办园行为评估", "幼儿园办园行为评估"), ("幼儿园办园行为评古", "幼儿园办园行为评估"),
    ("挂牌都导有什么要求", "挂牌督导有什么要求"), ("责任督学靠核在几月", "责任督学考核在几月"),
])
def test_input_method_typos_corrected(engine, typed, meant):
    assert engine.parse(typed).text.replace(" ", "") == normalize(meant).replace(" ", "").replace("有什么要求", "有什么要求")


@pytest.mark.parametrize("typed", ["分成几个组各负责哪些片区", "学校食堂收费标准是多少", "教师职称评审有什么要求",
                                   "大足校长离任督导是咋回事", "江阴市工作要点的发文机关是谁",
                                   "东湖的印发机关是哪个"])
def test_real_words_are_not_corrected(engine, typed):
    assert engine.state.speller.correct(normalize(typed)) == normalize(typed)


def _synonym_lines():
    for line in SYNONYMS.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words = line.split()
            yield words[0], words[1:]


@pytest.mark.parametrize("canonical,typed", list(_synonym_lines()))
def test_each_synonym_entry_searches_for_the_circulars_word(canonical, typed):
    want = [t for t in tokenize(normalize(canonical))]
    for word in typed:
        alts = expand([word])[word]
        assert any(set(alt) <= set(want) | {canonical} and alt for alt in alts), (word, alts)


def test_a_typed_synonym_finds_the_passage(engine):
    a = engine.ask("大足减负专项督导查什么")
    assert "“双减”专项督导" in to_text(a)


@pytest.mark.parametrize("question,expect", [
    ("广安四月做什么", "对幼儿园办园行为开展督导评估"),
    ("重庆的文号是多少", "大足教发〔2021〕20号"),
    ("武汉督学培训班什么时候办", "8月上旬"),
    ("无锡的督导工作要点是哪个单位发的", "江阴市人民政府教育督导室"),
])
def test_a_city_or_province_finds_its_counties(engine, question, expect):
    a = engine.ask(question)
    assert expect in to_text(a)
    assert len({c.region for c in a.citations}) == 1


def test_when_answer_matches_the_topic_not_a_shared_character(engine):
    a = engine.ask("武胜的双减几月查")
    assert "检查各督导责任区责任督学挂牌督导工作" not in to_text(a)


def test_yes_no_when_says_no_and_the_real_month(engine):
    a = engine.ask("武胜责任督学培训是不是在五月")
    assert a.answer.startswith("不是") and "6月" in a.answer.splitlines()[0]
    assert engine.ask("武胜检查挂牌督导是七月份吧").answer.startswith("是")


def test_which_first_gives_both_rows_in_order(engine):
    a = engine.ask("武胜培训和挂牌督导检查哪个先搞？")
    text = to_text(a)
    assert a.kind == "order" and text.index("开展责任督学培训") < text.index("检查各督导责任区")


def test_list_answer_quotes_every_item_of_the_named_section(engine):
    text = to_text(engine.ask("大足有哪些专项督导"))
    for item in ("开展疫情防控专项督导", "违规招生收费问题治理工作专项督导", "“双减”专项督导", "春秋季开学工作专项督导检查"):
        assert item in text
    assert len(text) <= 800


def test_meta_answers_only_for_the_document_asked_about(engine):
    a = engine.ask("江阴这个要点发给了哪些单位")
    assert a.kind == "meta" and {c.region for c in a.citations} == {"江阴市"}
    assert "各镇（街道）教办" in to_text(a)


def test_missing_detail_is_the_first_line(engine):
    a = engine.ask("东湖督学培训班在哪儿办啊")
    assert a.answer.startswith("文件没有写明地点") and a.unanswered
    assert "举办督学培训班" in to_text(a)  # then what the document does say
    assert not engine.ask("东湖督学培训班什么时候办").unanswered


def test_year_not_held_is_the_first_line(engine):
    a = engine.ask("武胜2022年的督导工作要点出了没")
    assert a.answer.splitlines()[0].startswith("没有收录2022年") and a.unanswered


def test_follow_ups_take_what_they_leave_out(engine):
    chat = "t-follow"
    assert "对幼儿园办园行为开展督导评估" in to_text(engine.ask("武胜四月份搞啥督导", chat=chat))
    assert "开展县人民政府履行教育职责自查自评工作" in to_text(engine.ask("那五月呢", chat=chat))
    assert "3月、9月" in to_text(engine.ask("东湖双减专项督导几月搞", chat=chat))
    assert "开展减轻学生作业负担和校外培训负担专项督导" in to_text(engine.ask("那武胜呢", chat=chat))
    first = engine.ask("东湖挂牌督导具体怎么做", chat=chat)
    more = engine.ask("还有呢", chat=chat)
    assert more.citations and not {c.text for c in more.citations} & {c.text for c in first.citations}


def test_another_subject_after_a_when_answer_asks_when_it_is(engine):
    """“X呢” after a when-answer asks when X is, in the same documents: the new subject replaces
    the old one (however many words it has), not the same answer again."""
    chat = "t-when-other"
    engine.ask("武胜幼儿园办园行为督导评估在几月", chat=chat)
    a = engine.ask("责任督学培训呢", chat=chat)
    assert a.kind == "when" and "六月" in a.answer + to_text(a) and "幼儿园" not in a.understood
    b = engine.ask("那学校工作综合考核呢", chat=chat)
    assert b.kind == "when" and "十二月" in to_text(b).split("相关原文")[0]


@pytest.mark.parametrize("bare", ["具体查什么", "要交什么"])
def test_a_question_form_alone_asks_about_the_chats_subject(engine, bare):
    chat = f"t-bare-{bare}"
    engine.ask("东湖双减专项督导几月搞", chat=chat)
    a = engine.ask(bare, chat=chat)
    assert a.kind != "invalid" and "双减" in a.understood
    assert any("双减" in c.text and c.region == "东湖高新区" for c in a.citations)


@pytest.mark.parametrize("bare", ["啥时候交", "要交什么"])
def test_a_question_form_alone_without_a_chat_is_asked_for_its_subject(engine, bare):
    a = engine.ask(bare)
    assert a.kind == "invalid" and not a.citations
    assert "哪项工作" in a.answer and "请用中文" not in a.answer


def test_a_frequency_alone_is_what_is_asked_about(engine):
    a = engine.ask("每月有哪些")
    assert a.kind != "invalid" and any("每月" in c.text for c in a.citations)


def test_two_chats_do_not_cross(engine):
    engine.ask("武胜四月做什么", chat="a")
    engine.ask("东湖四月做什么", chat="b")
    a, b = engine.ask("九月呢", chat="a"), engine.ask("九月呢", chat="b")
    assert {c.region for c in a.citations} == {"武胜县"}
    assert {c.region for c in b.citations} == {"东湖高新区"}


def test_a_reply_continues_the_replied_question(engine):
    a = engine.ask("那五月呢", chat="fresh-chat", reply_to="武胜四月做什么")
    assert "开展县人民政府履行教育职责自查自评工作" in to_text(a)


def test_context_expires():
    clock = [0.0]
    conv = Conversations(expires=60, clock=lambda: clock[0])
    conv.remember("c", object(), object())
    assert conv.last("c") is not None
    clock[0] = 61
    assert conv.last("c") is None


def test_batch_ask_keeps_context_per_chat(engine, tmp_path):
    lines = [{"q": "武胜四月做什么", "chat": "x"}, {"q": "东湖四月做什么", "chat": "y"},
             {"q": "那五月呢", "chat": "x"}, {"q": "那五月呢", "chat": "y"}]
    env = {"DUDAO_CORPUS_DIR": str(engine.config.corpus_dir), "DUDAO_INDEX_DIR": str(engine.config.index_dir),
           "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "ask"], input="\n".join(json.dumps(x, ensure_ascii=False)
                         for x in lines), capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    rows = [json.loads(r) for r in out.stdout.splitlines()]
    assert len(rows) == 4
    assert "开展县人民政府履行教育职责自查自评工作" in rows[2]["answer"]
    assert "武胜" not in rows[3]["answer"] and _flat("5月") in _flat(rows[3]["answer"])


def test_comparison_asked_as_yes_no_is_decided_by_the_two_sources(engine):
    a = engine.ask("东湖跟武胜督学培训时间一样吗")
    assert a.kind == "compare" and a.answer.startswith("不是")
    assert "六月" in to_text(a) and "8月上旬" in to_text(a)
    b = engine.ask("武胜和大足的督导要点是同一天发的吗")
    assert b.answer.startswith("是") and to_text(b).count("2021年3月15日") >= 2
    assert engine.ask("武胜和江阴的督导要点是同一天发的吗").answer.startswith("不是")


# -- the form of a question is not its topic ---------------------------------------------------
@pytest.mark.parametrize("question,kept,dropped", [
    ("大足督导包不包括民办学校", {"包括", "民办"}, {"包不", "包不包括"}),   # A不A → A
    ("东湖督导能不能暗访", {"暗访"}, {"不能", "能不能"}),
    ("江阴督导评估有没有没有", set(), {"没有"}),
    ("大足督学培训有哪几种", {"督学", "培训"}, {"几种", "哪几种", "种"}),  # counted-list quantifiers
    ("武胜专项督导分几项", {"专项"}, {"几项", "项"}),
    ("江阴挂牌督导要找哪些人", {"挂牌"}, {"找", "人"}),               # one-character spoken verbs
    ("东湖督导评估用哪些方式", {"方式"}, {"用"}),
])
def test_question_form_words_are_not_topic_words(engine, question, kept, dropped):
    tokens = set(engine.parse(question).tokens)
    assert kept <= tokens and not dropped & tokens, tokens


@pytest.mark.parametrize("question,glued", [
    ("武胜要选啥样的人当督学啊", "要选"),       # jieba's guess glued a particle to a word
    ("江阴新开的民办园要评估吗", "园要"),
])
def test_a_guessed_word_the_index_never_uses_is_cut_by_the_dictionary(engine, question, glued):
    tokens = engine.parse(question).tokens
    assert glued not in tokens and {"督学", "评估"} & set(tokens), tokens


def test_a_document_named_by_its_number_leaves_no_number_in_the_topic(engine):
    q = engine.parse("武府教督办〔2021〕1号的幼儿园评估是不是在四月")
    assert q.doc_ids and not {"武府", "督办", "教督", "1"} & set(q.tokens)
    q = engine.parse("澄教督〔2021〕2号 发给谁")
    assert q.doc_ids and not {"澄", "教督", "2"} & set(q.tokens)


@pytest.mark.parametrize("phrase,halves", [("减轻负担", ["减轻", "负担"]), ("作业负担", ["作业", "负担"])])
def test_a_set_phrase_synonym_also_matches_with_words_between(phrase, halves):
    table = expand(["减负"])["减负"]
    assert halves in table or [phrase] in table


@pytest.mark.parametrize("question", ["大足那个要点能不能公开", "大足的工作要点可以公开吗"])
def test_can_it_be_published_answered_first(engine, question):
    assert to_text(engine.ask(question)).startswith("不能公开。")


@pytest.mark.parametrize("question,body", [
    ("东湖挂牌督导具体怎么做", "督学"),
    ("江阴挂牌督导怎么搞", "督学"),
])
def test_how_questions_quote_the_body_under_an_items_opening_sentence(engine, question, body):
    answer = engine.ask(question)
    # the item's body is quoted among the first two passages (a schedule row of the item may
    # stand before it)
    assert any(len(c.text) > 60 and c.text.count("。") >= 2 for c in answer.citations[:2]), answer.citations


# -- a question naming one of a pair of opposite terms -------------------------------------------
@pytest.mark.parametrize("question,passage,contradicted", [
    ("秋季开学督导啥时候", "关于做好春季开学工作督导检查的通知", True),
    ("秋季开学督导啥时候", "开展春秋季开学工作专项督导检查", False),     # 春秋 names both
    ("春季开学督导啥时候", "开展秋季开学工作调研", True),
    ("暑假安全检查怎么安排", "寒假前开展校园安全检查", True),
    ("暑假安全检查怎么安排", "寒暑假前开展校园安全检查", False),
    ("下半年有哪些督导", "上半年完成责任督学培训", True),
    ("开学督导啥时候", "关于做好春季开学工作督导检查的通知", False),    # no side asked
])
def test_a_passage_naming_only_the_opposite_term_does_not_answer(engine, question, passage, contradicted):
    assert engine.parse(question).contradicted_by(normalize(passage)) is contradicted


def test_a_notice_about_one_season_does_not_answer_the_other(tmp_path, tiny_st_model):
    from retrieval.config import load_config
    from retrieval.embedders import SentenceTransformerEmbedder
    from retrieval.engine import Engine
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "spring.txt").write_text(
        "测试县教育局关于做好2025年春季开学工作督导检查的通知\n各学校：\n一、督导内容\n"
        "检查开学准备、校园安全和课后服务。\n二、督导实施\n县教育局组成督导组，对各学校开学工作进行全面督导检查。\n", "utf-8")
    (corpus / "winter.txt").write_text(
        "测试区教育局关于做好2024年寒假安全工作的通知\n各学校：\n一、工作要求\n"
        "寒假前开展校园安全检查，落实学生假期安全教育。\n", "utf-8")
    eng = Engine(load_config(corpus_dir=corpus, index_dir=tmp_path / "idx", telegram_token=""),
                 embedder=SentenceTransformerEmbedder(str(tiny_st_model))).open()
    assert eng.ask("秋季开学督导检查什么").kind == "none"
    assert eng.ask("春季开学督导检查什么").kind != "none"
    assert eng.ask("暑假安全检查怎么安排").kind == "none"
    assert eng.ask("寒假安全检查怎么安排").kind != "none"


@pytest.mark.parametrize("question,field", [
    ("东湖的通知是发给谁的", "recipients"), ("江阴这个要点发给了哪些单位", "recipients"),
    ("武胜的文件是哪个单位发的", "issuer"), ("大足的文号是多少", "doc_number"),
])
def test_the_field_asked_for_is_not_a_topic_word(engine, question, field):
    q = engine.parse(question)
    assert q.meta_field == field
    assert not {"发给", "单位", "文号", "发"} & set(q.tokens), q.tokens


@pytest.mark.parametrize("question,values", [
    ("各地工作要点的文号分别是什么", ["武府教督办〔2021〕1号", "澄教督〔2021〕2号", "武新管教督〔2021〕1号", "大足教发〔2021〕20号"]),
    ("各地工作要点的发文机关分别是谁", ["武胜县人民政府教育督导委员会办公室", "江阴市人民政府教育督导室",
                                  "武汉东湖新技术开发区教育督导室", "重庆市大足区教育委员会"]),
])
def test_a_field_of_every_plan_when_the_topic_singles_none_out(engine, question, values):
    text = to_text(engine.ask(question))
    assert all(v in text for v in values), text


@pytest.mark.parametrize("question", ["武汉高新区双减督导是不是只在3月搞", "武汉新技术开发区双减督导是不是只在3月搞"])
def test_the_rest_of_a_place_name_after_a_city_is_not_a_topic_word(engine, question):
    q = engine.parse(question)
    assert len(q.regions) == 1 and q.regions[0].endswith("东湖高新区")
    assert q.tokens == ["双减", "督导"], q.tokens
    assert to_text(engine.ask(question)).startswith("不是，不只在3月")


@pytest.mark.parametrize("question, word", [
    ("学生近视防控专项督导咋搞的", "近视"),
    ("武胜的校车安全专项检查怎么安排", "校车"),
    ("营养餐专项督查啥时候开始", "营养餐"),
    ("江阴城南小学综合督导有什么要求", "城南"),                  # a school no circular names
])
def test_an_item_named_with_a_word_no_circular_uses_is_not_found(engine, question, word):
    """A 专项督导/督导评估 whose name holds a word foreign to every circular: said so, with the
    word, in the first line; another item that shares 专项督导 (疫情防控专项督导) is at most shown
    under it as the closest passage, never as the answer."""
    a = engine.ask(question)
    first = a.answer.split("\n")[0]
    assert a.kind == "none" and a.unanswered and f"没有出现“{word}”" in first
    assert not a.citations or "最接近的原文" in a.answer


@pytest.mark.parametrize("text, school", [
    ("武侯区龙江路小学这次食堂检查", ("龙江路", "小学")), ("城关小学督导", ("城关", "小学")),
    ("每个幼儿园", None), ("公办幼儿园", None), ("实验小学", None), ("我们幼儿园", None),
])
def test_a_school_named_by_its_own_name(text, school):
    from retrieval.query import named_school
    assert named_school(text) == school


@pytest.mark.parametrize("question, quoted", [
    ("疫情防控专项督导怎么开展", "疫情防控"),                   # every word used
    ("减负专项督导几月查", "双减"),                             # a synonym of a word used
    ("今年还有疫情防控专项督导吗", "疫情防控"),                 # everyday words around the name
    ("新一轮幼儿园办园行为督导评估怎么搞", "幼儿园办园行为"),     # a word made of words used (新 + 一轮)
    ("五育专项督导怎么搞", ""),                                 # inside a word used (五育合一)
    ("光谷龙泉小学现代化学校创建有什么要求", "龙泉小学"),         # a school a circular names
    ("公办幼儿园办园行为督导评估怎么搞", "幼儿园办园行为"),       # a kind of school, not a name
])
def test_an_item_named_with_the_circulars_words_is_answered(engine, question, quoted):
    a = engine.ask(question)
    assert a.kind != "none" and a.citations, a.answer
    assert not quoted or any(quoted in c.text for c in a.citations), a.answer


@pytest.mark.parametrize("name, question, passage",
                         [(c["detail"], c["question"], c["passage"]) for c in _jsonl("detail_cases.jsonl")])
def test_each_detail_of_the_data_file_is_asked_and_given(name, question, passage):
    """retrieval/data/details.txt, one case per entry: the question asks for it, a passage that
    states it gives it, and a passage without it does not."""
    from retrieval.details import DETAILS, asked_detail, missing_detail
    assert name in [n for n, _, _ in DETAILS]
    assert asked_detail(question)[0] == name
    assert missing_detail(question, [passage]) == ""
    assert missing_detail(question, ["组织开展督导检查工作。"]) == name


@pytest.mark.parametrize("question, topic, about, other", [
    ("学前教育法规定一个班最多多少个孩子", ["一个班", "孩子"],
     "每个班的孩子不超过三十名。", "第八十三条附设的幼儿班适用本法有关规定。平等对待每一个学前儿童。"),
    ("每个县的实地检查持续几天", ["实地", "检查", "持续"],
     "每个县的实地检查为3天。", "检查组由5人组成。请于6月30日前报送名单，材料保存3年。"),
    ("食品安全自查情况要几号前报上去", ["食品安全", "自查"],
     "于每月5日前将上月食品安全自查情况报区教育局。", "并于5月25日前将整改报告报送督导室。"),
])
def test_a_detail_counts_only_in_a_sentence_about_the_question(question, topic, about, other):
    """A number, a duration or a date in a sentence about something else (an article's number,
    another deadline) does not give the detail asked; the same detail beside the question's words does."""
    from retrieval.details import missing_detail
    assert missing_detail(question, [other], topic) != ""
    assert missing_detail(question, [other, about], topic) == ""


@pytest.mark.parametrize("question", ["大足教发〔2021〕20号的发文机关是哪个", "大足教发〔2021〕 20号是哪天发的"])
def test_a_doc_number_that_begins_with_a_place_name_is_not_a_topic_word(engine, question):
    q = engine.parse(question)
    assert q.doc_ids == ["dazu-2021"] and not {"教", "发", "20"} & set(q.tokens)


def test_more_passages_never_repeat_a_passage(engine):
    for question in ["东湖挂牌督导具体有哪几条措施", "今年有哪些专项督导", "责任督学挂牌督导多久一次"]:
        a = engine.ask(question)
        keys = [(c.doc, c.start) for c in a.more]
        assert len(keys) == len(set(keys)), question


def test_a_ratio_a_yes_no_question_asserts_is_checked(engine):
    a = engine.ask("大足责任区专职督学是按1比10配备的吗")
    assert a.answer.startswith("不是，文件写的是1:5")


@pytest.mark.parametrize("question,said", [
    ("东湖和武胜九月分别有什么督导安排", ["9月下旬", "开展秋季开学工作调研"]),
    ("东湖和武胜三月都有什么安排", ["3月下旬", "开展春季开学工作调研"]),
])
def test_a_month_asked_of_two_places_is_each_places_month(engine, question, said):
    a = engine.ask(question)
    assert a.kind == "month" and all(s in to_text(a) for s in said), to_text(a)


@pytest.mark.parametrize("question, lead", [
    ("东湖督学培训班是8月上旬办吗", "是，文件写的是8月上旬"),
    ("东湖督学培训班是8月下旬办吗", "不是，文件写的是8月上旬，不是8月下旬"),
    ("武胜责任督学培训是6月底吗", "文件写的是六月，没有写明是不是6月底"),
])
def test_a_yes_no_about_days_is_decided_by_the_days_written(engine, question, lead):
    """“是8月下旬吗” of an 8月上旬 step is 不是, though the month agrees; of a step dated only by
    its month the documents do not say, and the reply says so rather than 是."""
    assert engine.ask(question).answer.startswith(lead)


@pytest.mark.parametrize("question, lead", [
    ("江阴的督导要点是3月份发的吗", "不是，不在3月"),
    ("江阴的督导要点是4月份发的吗", "是，在4月"),
    ("江阴的督导要点是4月初发的吗", "是，在4月初"),
    ("江阴的督导要点是今年4月底发的吗", "不是，不在4月底"),
    ("东湖的工作要点是3月发的吧", "是，在3月"),
])
def test_a_yes_no_about_when_a_document_was_issued_is_its_date(engine, question, lead):
    """“是3月份发的吗” asks the document's own date, not whether any step falls in March."""
    a = engine.ask(question)
    assert a.kind == "meta" and a.answer.startswith(lead), a.answer


def test_a_yes_no_about_the_issue_day_checks_the_day(engine):
    assert engine.ask("江阴的督导要点是4月10号发的吗").answer.startswith("不是，不在4月10号")
    assert engine.ask("江阴的督导要点是4月7号发的吗").answer.startswith("是，在4月7号")


def test_a_detail_given_by_its_own_kind_needs_no_topic_word(engine):
    """A telephone, a place or a name is a detail whatever its sentence says beside it; only
    numbers (days, dates, counts, amounts) must stand beside the question's words."""
    from retrieval.details import missing_detail, topic_words
    q = "督导联系方式是什么"
    assert missing_detail(q, ["联系人：王某，电话：0826-1234567。"], topic_words(q, ["督导", "联系方式"])) == ""
    q = "每个县实地检查持续几天"
    assert missing_detail(q, ["材料保存3天。"], topic_words(q, ["每个", "县", "实地", "检查", "持续"])) == "时长"


def test_a_kind_of_school_is_not_a_school_name():
    from retrieval.query import named_school
    assert named_school("山区学校要督导什么") is None and named_school("农村小学") is None
