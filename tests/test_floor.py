"""The floor on documents the engine was not shaped by (corpus-wild's regulations, corpus-dev):
a special answer never hides what passage search found, a claim that the documents lack
something is checked against them, and each class is tested on two of its members."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from retrieval.render import explain_text, to_text
from tests.conftest import DATA, ROOT, make_engine


@pytest.fixture(scope="session")
def unseen(tmp_path_factory, nano):
    """corpus-wild and corpus-dev together, indexed for real."""
    corpus = tmp_path_factory.mktemp("unseen")
    for folder in (DATA / "corpus-wild", DATA / "corpus-dev"):
        for f in folder.iterdir():
            if f.is_file() and f.name != "README.md":
                shutil.copy(f, corpus / f.name)
    eng = make_engine(corpus, tmp_path_factory.mktemp("unseen-index"), nano)
    eng.open()
    return eng


def first_line(answer) -> str:
    return to_text(answer).split("\n")[0]


@pytest.mark.parametrize("question,said", [
    ("《郑州市教育督导条例》规定兼职督学每届聘期为多长时间？", "兼职督学每届聘期三年"),
    ("岳麓区责任督学应于何时提交10月份督导记录表？", "10月31日前"),
    ("江西开学检查 责任督学什么时候要到岗进校", "开学第一天责任督学须全部到岗进校"),
])
def test_a_time_the_passages_give_is_never_said_missing(unseen, question, said):
    a = unseen.ask(question)
    assert said in to_text(a).replace(" ", "")
    assert "没有写明时间" not in first_line(a) and not a.unanswered


@pytest.mark.parametrize("question,said", [
    ("岳麓区2023年10月责任督学挂牌督导工作要点的发布日期是哪天？", "2023/09/28"),
    ("临洮那个19年督导工作总结是哪个单位发的", "临洮县人民政府教育督导室"),
    ("那个甘肃2025年督导工作要点是哪个单位发的啊", "甘肃省人民政府教育督导委员会办公室"),
])
def test_fields_of_a_web_copy_and_a_signature_past_a_seal_note_are_read(unseen, question, said):
    a = unseen.ask(question)
    assert a.kind == "meta" and said in to_text(a)


@pytest.mark.parametrize("question,article,kind", [
    ("郑州督导条例对督学和被督导单位有利害关系的情况怎么规定", "第十三条", "条例"),
    ("学前教育法对学前儿童伙食费怎么规定", "第", "法律"),
])
def test_regulations_are_cited_by_article_and_named_by_kind(unseen, question, article, kind):
    a = unseen.ask(question)
    text = to_text(a)
    assert any(article in c.heading and "条" in c.heading for c in a.citations), text
    assert "工作要点" not in first_line(a) and kind in first_line(a)


@pytest.mark.parametrize("question,said", [
    ("学前法是哪天通过的呀", "2024年11月8日"),
    ("请问郑州督导条例后来是谁批的呀，哪天批的", "2001年9月29日"),
])
def test_a_document_named_by_a_short_title_answers_about_itself(unseen, question, said):
    a = unseen.ask(question)
    assert said in to_text(a).replace(" ", ""), to_text(a)
    assert set(a.evidence.scope) == {c.doc for c in a.citations} and len(a.evidence.scope) == 1


@pytest.mark.parametrize("question", [
    "《郑州市教育督导条例》规定的兼职督学工作补贴标准是多少？",
    "肥西县2024年春季开学专项督导对违规收费学校的罚款标准是多少？",
])
def test_a_missing_detail_is_said_first_with_the_closest_passages(unseen, question):
    a = unseen.ask(question)
    assert first_line(a).startswith("文件没有写明") and a.unanswered and a.citations


def test_explain_prints_intent_scope_passages_and_decision(unseen):
    a = unseen.ask("肥西县2024年春季开学专项督导的实地督导时间是什么时候？")
    out = explain_text(a)
    for part in ("意图：when", "范围：1 份文件", "决定：", "最佳段落", "a1_feixi_kaixue"):
        assert part in out, out
    assert "2月24日至3月3日" in to_text(a)


def test_ask_explain_on_the_command_line(unseen):
    cfg = unseen.config
    run = subprocess.run([sys.executable, str(ROOT / "bot.py"), "ask", "--explain", "--index", str(cfg.index_dir),
                          "--corpus", str(cfg.corpus_dir), "学前法是哪天通过的呀"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0 and "—— 依据 ——" in run.stdout and "意图：" in run.stdout


def test_reindex_reports_what_it_understood_of_each_file_it_read(tmp_path, nano):
    """As an upload's reply does: for each new or changed file, its title, region, date, passages
    and schedule entries; files reused from the last build are not listed again."""
    from retrieval.report import reindex_lines
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("武胜县教育局关于开展秋季开学专项督导的通知\n各学校：\n一、督导时间\n"
                                  "9月1日至9月10日开展开学专项督导。\n武胜县教育局\n2022年8月20日\n", "utf-8")
    eng = make_engine(corpus, tmp_path / "index", nano)
    eng.open()
    (corpus / "b.txt").write_text("江阴市2022年教育督导工作要点\n一、重点工作\n"
                                  "4月开展幼儿园办园行为督导评估。\n", "utf-8")
    lines = reindex_lines(eng.reindex())
    [line] = [ln for ln in lines if ln.startswith("读取 ")]
    assert line.startswith("读取 b.txt：江阴市2022年教育督导工作要点｜江阴市｜") and "段落 " in line and "日程 1 条" in line
    (corpus / "a.txt").write_text((corpus / "a.txt").read_text("utf-8") + "二、督导内容\n检查开学准备。\n", "utf-8")
    [line] = [ln for ln in reindex_lines(eng.reindex()) if ln.startswith("读取 ")]
    assert line.startswith("读取 a.txt：武胜县教育局关于开展秋季开学专项督导的通知｜武胜县｜2022-08-20｜")


def test_a_place_only_the_text_names_scopes_softly(tmp_path, nano):
    """A notice whose header names no place is searched by its text: a question naming the
    county its body names is answered from it, never 没有收录; the reindex report flags it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("关于开展秋季开学专项督导的通知\n各学校：\n一、督导时间\n"
                                  "9月1日至9月10日，对临潼区各中小学开展开学专项督导。\n", "utf-8")
    (corpus / "b.txt").write_text("2022年教育督导工作要点\n一、重点工作\n"
                                  "4月开展临潼区幼儿园办园行为督导评估。\n", "utf-8")
    eng = make_engine(corpus, tmp_path / "index", nano)
    report = eng.open().reindex()
    from retrieval.report import reindex_lines
    assert any(line.startswith("地区不详") and "a.txt" in line and "b.txt" in line for line in reindex_lines(report))
    a = eng.ask("西安临潼开学督导什么时候")
    assert "没有收录" not in first_line(a) and "9月1日至9月10日" in to_text(a)
    assert "正文提到" in a.evidence.scope_reason
    none = eng.ask("成都开学督导什么时候")
    assert none.kind == "none" and "没有收录成都" in first_line(none)


def test_an_act_the_passage_punishes_is_not_allowed(unseen):
    a = unseen.ask("学前教育法规定幼儿园伙食费能挪用吗")
    assert first_line(a).startswith("不行") and "挪用" in to_text(a)


@pytest.mark.parametrize("corpus,question", [
    ("unseen", "临洮县2019年对多少所幼儿园开展了办园行为督导评估？"),
    ("engine", "东湖对多少所幼儿园开展办园行为督导评估"),
])
def test_a_how_many_question_naming_an_item_is_not_declined_for_its_question_words(request, corpus, question):
    """多少所…督导评估: what is left of 多少所 (少所) is no word of the item's name."""
    a = request.getfixturevalue(corpus).ask(question)
    assert "没有出现" not in first_line(a) and "所" in to_text(a)


@pytest.mark.parametrize("question,said", [
    ("武侯区食堂食品安全通报中，哪些学校存在食品留样不规范问题？", "武侯区簇桥第二小学、武侯区金花幼儿园"),
    ("学前教育法规定哪些幼儿园属于普惠性幼儿园？", "公办幼儿园和普惠性民办幼儿园为普惠性幼儿园"),
])
def test_an_item_listed_by_its_opening_does_not_hide_the_rest_of_its_passage(unseen, question, said):
    # the list quotes each item's first sentence; what the question asks stands after it
    a = unseen.ask(question)
    assert said in to_text(a).replace(" ", "")
    assert len(to_text(a)) <= 800


@pytest.mark.parametrize("question,said", [
    ("武侯区食堂食品安全专项督导中存在问题的学校须在何时前整改到位？", "限于2022年5月20日前整改到位"),
    ("襄垣春季开学督导报告啥时候交", "于3月20日上报县教育局"),
    ("潍坊市2025年义务教育学校办学质量评估结果在几月份认定公布？", "结果认定与公布（2025年12月）"),
])
def test_a_passage_is_ranked_by_what_it_adds_to_its_documents_title(unseen, question, said):
    # the question repeats the title (食品安全专项督导, 春季开学督导); the passage that answers
    # it has only the rest of its words, and must not lose to passages that repeat the title
    a = unseen.ask(question)
    assert said in to_text(a).replace(" ", "")[:800]


@pytest.mark.parametrize("question,said", [
    # 甘肃省 is the province's own plan and the province of a county's report
    ("根据甘肃省2025年教育督导工作要点，11月份安排了什么工作？", "11月组织对已提出申请的县（市、区）开展省级督导评估"),
    # 四川 is the province of several indexed counties
    ("四川5月有什么督导安排", "限于2022年5月20日前整改到位"),
])
def test_one_place_name_that_covers_several_regions_is_not_a_comparison(unseen, question, said):
    a = unseen.ask(question)
    assert a.kind == "month" and a.evidence.intent == "month", explain_text(a)
    assert said in to_text(a).replace(" ", "")


@pytest.mark.parametrize("question,said", [
    ("2018年县域义务教育基本均衡发展国家实地督导检查安排在几月份？", "2018年8月中旬至9月"),
    ("2018年县域义务教育基本均衡发展已认定县的年度监测复查什么时候完成", "2018年7月15日前"),
])
def test_a_letter_without_a_title_is_about_its_opening_and_its_steps_are_told_apart_by_the_rest(unseen, question, said):
    # the letter's opening passage names its subject (县域义务教育基本均衡发展国家督导评估认定):
    # those words name every dated step of it, so the step is chosen by the question's other words
    a = unseen.ask(question)
    assert a.kind == "when" and said in to_text(a).split("相关原文")[0]


@pytest.mark.parametrize("question,said", [
    ("宜昌一个责任督学最多管几所学校", "每名责任督学负责学校原则上不超过5所"),
    ("郑州这边一个督学的聘期是几年", "兼职督学每届聘期三年"),
    ("潍坊办学质量评估 县级自评要多少天", ""),
])
def test_the_search_best_passage_is_always_quoted(unseen, question, said):
    # coverage of the question's words misjudges a passage that answers in other words (管几所 of
    # 负责学校不超过5所); passage search would show its best passage, so the reply does too
    a = unseen.ask(question)
    best = a.evidence.hits[0].chunk
    assert any(c.doc == best.doc_id and c.start < best.end and best.start < c.end for c in a.citations), to_text(a)
    assert said in to_text(a).replace(" ", "")


@pytest.mark.parametrize("question,said", [
    ("德清县第三教育督导责任区责任督学到校督导后，督导记录须在多长时间内上传？", "3个工作日内"),
    ("德清第三责任区月度督导小结几号前要交啊", "次月5日前"),
    ("岳麓区家长打督学公示电话反映问题，多久会回复啊", "2个工作日内"),
])
def test_a_detail_the_passages_give_in_other_units_is_never_said_missing(unseen, question, said):
    # a duration in 工作日, a day of the next month, a question that mentions a telephone but
    # asks how long: none of them is "没有写明"
    a = unseen.ask(question)
    assert "没有写明" not in first_line(a) and not a.unanswered, to_text(a)
    assert said in to_text(a)


@pytest.mark.parametrize("question,sentence", [
    ("根据甘肃省2025年教育督导工作要点，11月份安排了什么工作？",
     "11月组织对已提出申请的县（市、区）开展省级督导评估，评估结果向社会公布。"),
    ("肥西县2024年春季开学专项督导在3月份有哪些工作安排？",
     "各乡镇中心学校和县直学校要对督导反馈问题认真整改，于3月6日前报送整改情况报告（加盖公章）。"),
])
def test_a_dated_step_of_the_body_is_listed_as_its_whole_sentence(unseen, question, sentence):
    # the clause with the date leaves out what is done after it (…，评估结果向社会公布)
    a = unseen.ask(question)
    listed = to_text(a).split("相关原文")[0]
    assert a.kind == "month" and any(line.strip() == f"· {sentence}" for line in listed.split("\n")), listed


@pytest.mark.parametrize("question", [
    "青阳县义务教育优质均衡发展县的市级评估什么时候通过的",
    "蒲城县2020年疫情防控专项督导结束后督导结果什么时候通报",
    "学前教育法规定全国从哪一年起全面实施免费学前教育？",
])
def test_a_date_of_another_item_does_not_answer_when(unseen, question):
    # the passages about the asked item give no time; a date of another item (2023年 of a
    # monitoring sample, 4月22日 of the inspection, the law's adoption) is no answer to it
    a = unseen.ask(question)
    assert "没有写明时间" in first_line(a) and a.unanswered, to_text(a)
    assert a.citations   # the passages about the item are still shown


@pytest.mark.parametrize("question,year,held", [
    ("甘肃省2024年全省教育督导工作要点的文号是什么？", 2024, "甘教督办〔2025〕2号"),
    ("宜昌2020年挂牌督导通知文号是啥", 2020, "宜教督[2019]5号"),
])
def test_a_document_named_by_title_with_a_year_not_held_says_so_first(unseen, question, year, held):
    # the title names the series; the year names a copy that is not indexed: said, then the
    # copy that is answers (never its 文号 as if it were the one asked)
    a = unseen.ask(question)
    assert first_line(a).startswith(f"没有收录{year}年") and a.unanswered
    assert held in to_text(a)


def test_a_year_of_work_a_later_document_is_about_is_no_missing_year(unseen):
    a = unseen.ask("国务院教育督导委员会办公室开展省级人民政府2017年度履行教育职责评价的通知文号是什么")
    assert "没有收录" not in first_line(a) and "国教督办函〔2018〕16号" in to_text(a)


def test_a_persons_name_is_looked_for_as_a_name(unseen):
    # jieba reads 吴建平 and 沈建明 as names; a passage naming only the office gives none
    assert "没有写明人名" in first_line(unseen.ask("临洮县督导室主任叫啥名字啊"))
    for question, name in (("安吉县教育督导室主任是谁", "吴建平"), ("德清第三责任区的召集人是谁", "沈建明")):
        a = unseen.ask(question)
        assert "没有写明" not in first_line(a) and name in to_text(a), to_text(a)


@pytest.mark.parametrize("question,first", [
    ("郑州兼职督学聘期是五年吗", "不是，文件写的是三年"),
    ("郑州兼职督学聘期是三年吗", "是"),
    ("学前教育法是2024年起施行的吗", "不是，文件写的是2025年"),
])
def test_a_value_a_yes_no_question_asserts_is_checked_against_the_passage(unseen, question, first):
    # "是" only when the passage says the asserted value; another value of that kind is "不是"
    a = unseen.ask(question)
    assert first_line(a).startswith(first), to_text(a)


@pytest.mark.parametrize("question,said", [
    ("蒲城那个通知落款日期和发文单位", ["2020年4月20日", "蒲城县人民政府教育督导室"]),
    ("襄垣开学督导通知是哪天发的，发文机关是谁", ["2025年3月11日", "襄垣县教育局"]),
])
def test_a_question_asking_two_fields_of_a_document_gets_both(unseen, question, said):
    a = unseen.ask(question)
    head = to_text(a).split("相关原文")[0]
    assert a.kind == "meta" and all(s in head for s in said), to_text(a)


def test_the_plan_picture_shows_one_year_and_names_the_others(unseen):
    """Plans of 2017–2026 on one Jan–Dec axis cannot be read: the default picture is the latest
    year's, the note names the other years; a year asked is that year's; /ics keeps them all."""
    entries, notes = unseen.plan_entries("", one_year=True)
    years = {e.year for e in entries}
    everything, _ = unseen.plan_entries("")
    others = {e.year for e in everything if e.year} - years
    assert len(years) == 1 and others and notes and all(f"{y}年" in notes[-1] for y in others)
    asked = min(others)
    entries, _ = unseen.plan_entries(f"{asked}年", one_year=True)
    assert entries and {e.year for e in entries} == {asked}


@pytest.fixture(scope="module")
def copied_tables(tmp_path_factory, nano):
    """Two month tables as people copy them into a text file: from Word (a cell's numbered items
    on lines of their own, the month on the first only) and from a web page (one cell per line,
    no pipes), both with column names no list of header words holds (督导重点, 参加人员)."""
    corpus = tmp_path_factory.mktemp("tables")
    for f in (DATA / "tables").iterdir():
        shutil.copy(f, corpus / f.name)
    eng = make_engine(corpus, tmp_path_factory.mktemp("tables-index"), nano)
    eng.open()
    return eng


@pytest.mark.parametrize("question,items", [
    ("某某区3月份责任督学督导什么", ["课后服务开展情况督导", "学生作业管理督导", "春季传染病防控",
                          "每校至少督导1次"]),
    ("某某区2月有啥工作", ["开学准备工作督导", "校园安全隐患排查", "填写开学检查记录表"]),
    ("某某县4月份督导什么", ["课后服务质量督导，每校随机听课不少于2节", "张某、李某"]),
])
def test_a_copied_month_table_is_read_as_the_months_plan(copied_tables, question, items):
    a = copied_tables.ask(question)
    text = to_text(a).replace(" ", "")
    assert a.kind == "month" and not a.unanswered, text
    for item in items:
        assert item in text.split("相关原文")[0]


def test_the_signature_after_a_copied_table_is_no_cell_of_it(copied_tables):
    entries, _ = copied_tables.plan_entries("")
    plain = [e for e in entries if "cells_plain" in e.doc_id]
    assert len(plain) == 4 and all("教育督导室" not in e.activity for e in entries)
    assert [e.months for e in plain] == [[3], [4], [5], [6]]   # not the signature's 2月20日


@pytest.mark.parametrize("question,said", [
    ("安吉双减专项督导那篇新闻浏览量多少", "浏览次数：1386"),
    ("岳麓区10月责任督学工作要点有多少人看过", "阅读次数：587"),
    ("德清第三责任区安排表放在网站哪个栏目", "当前位置：首页 > 政务公开 > 教育督导 > 督导动态"),
])
def test_what_the_web_page_says_of_itself_is_quoted_from_it(unseen, question, said):
    """A read counter or a breadcrumb is page furniture, out of the passages, but still a fact of
    the page a reader may ask: it is quoted as the page writes it."""
    a = unseen.ask(question)
    assert a.kind == "meta" and said in to_text(a)


@pytest.mark.parametrize("question,said", [
    ("临洮的督导工作总结是啥时候挂到网上的", "发布时间：2020/01/15"),
    ("德清第三责任区工作安排表哪天发布的", "发布时间：2022-03-01"),
])
def test_a_page_date_is_quoted_as_the_page_writes_it(unseen, question, said):
    a = unseen.ask(question)
    assert a.kind == "meta" and said in to_text(a).replace(" ", "")


@pytest.mark.parametrize("name,line", [
    ("a1_yuelu_10yue.txt", "来源：长沙市岳麓区教育局  发布日期：2023/09/28  阅读次数：587"),
    ("b1_lintao_zongjie.txt", "发布时间：2020/01/15    来源：临洮县人民政府教育督导室    浏览次数：642"),
])
def test_a_web_info_line_is_no_part_of_the_first_paragraph(name, line):
    """A line of several labelled page fields is a header line: the paragraph after it does not
    start with the page's source and date."""
    from retrieval.chunker import chunk_document
    from retrieval.indexer import load_document
    doc = load_document(DATA / "corpus-dev" / name)
    assert line.split()[0] in (DATA / "corpus-dev" / name).read_text("utf-8")
    body = [c for c in chunk_document(doc) if c.kind == "text"]
    assert not any(c.text.startswith(line.split("：")[0] + "：") for c in body)


@pytest.mark.parametrize("question", [
    "我是青阳县一家幼儿园园长，那5所被评估的幼儿园叫什么名字",
    "安吉县“双减”专项督导“回头看”后被通报的学校有哪些？",
    "兰山区2017年幼儿园办园行为督导评估名单中具体包括哪些幼儿园？",
])
def test_names_a_document_only_counts_are_said_missing(unseen, question):
    """5所幼儿园 counts schools and names none: asked which, the reply says the documents do not
    list them (the passages that count them follow)."""
    a = unseen.ask(question)
    assert "没有写明名单" in first_line(a) and a.citations


def test_schools_named_in_a_passage_answer_which_ones(engine):
    a = engine.ask("东湖市级义务教育现代化学校创建是哪几所学校")
    assert not a.unanswered and "龙泉小学" in to_text(a)


@pytest.mark.parametrize("question,said", [
    ("江西省2026年3月有什么工作安排", "各设区市教育局须于3月13日前将开学检查工作总结及《问题整改台账》报送省教育厅教育督导处"),
    ("宜昌市2019年10月有什么工作安排", "市级组织对各县市区挂牌督导工作进行随机抽查"),
])
def test_a_dated_section_title_is_listed_with_what_is_done(unseen, question, said):
    """（五）总结报送（3月13日前）。 dates a step and says nothing of it: the month's list quotes
    the sentence after it too."""
    a = unseen.ask(question)
    assert a.kind == "month" and said in to_text(a).split("相关原文")[0]


@pytest.mark.parametrize("question,said", [
    ("潍坊市2025年12月有什么工作安排", "认定各学校评估等级，并通过潍坊教育网向社会公布"),
    ("岳麓区2023年11月有什么工作安排", "区教育督导室计划于11月上旬组织责任督学开展交叉督导"),
    ("甘肃2025年6月有什么督导工作", "分别于6月30日和12月20日前报送"),
])
def test_a_month_list_quotes_steps_dated_by_heading_or_as_written(unseen, question, said):
    """A section dated by its heading only (### （四）结果认定与公布（2025年12月）), a step a
    single-month plan dates in the next month, and a clause of two dates, quoted as written."""
    a = unseen.ask(question)
    assert a.kind == "month" and not a.unanswered and said in to_text(a).split("相关原文")[0]


def test_a_time_in_a_document_title_is_no_step():
    from retrieval.chunker import chunk_document
    from retrieval.indexer import load_document
    from retrieval.schedule_reader import extract_schedule
    doc = load_document(DATA / "corpus-dev" / "a1_yuelu_10yue.txt")
    assert not any("下半年" in e.when_text for e in extract_schedule(doc, chunk_document(doc)))


@pytest.mark.parametrize("name,title,months", [
    ("b1_weifang_fangan.md", "（四）结果认定与公布（2025年12月）", [12]),
    ("a1_yichang_guapai.txt", "（三）市级抽查阶段（9月至10月）", [9, 10]),
])
def test_a_heading_of_its_own_dates_the_passage_under_it(tmp_path, name, title, months):
    """The dated title on a line of its own (a Markdown heading; yichang's laid out so) dates the
    passage below it, which names no time itself."""
    from retrieval.chunker import chunk_document
    from retrieval.indexer import load_document
    from retrieval.schedule_reader import extract_schedule
    text = (DATA / "corpus-dev" / name).read_text("utf-8")
    if not text.count(f"### {title}"):
        text = text.replace(f"{title}。", f"### {title}\n\n")
    path = tmp_path / name
    path.write_text(text, "utf-8")
    doc = load_document(path)
    under = [e for e in extract_schedule(doc, chunk_document(doc)) if title[3:7] in e.activity]
    assert [e.months for e in under] == [months]


@pytest.mark.parametrize("question,said", [
    ("蒲城疫情防控专项督导检查表里具体有哪些指标", "没有写明评分细则"),
    ("莆田复查的评分细则是什么", "没有写明评分细则"),
    ("蒲城疫情督导检查表在哪下载", "没有写明网址"),
    ("奉贤网络问卷的链接在哪", "没有写明网址"),
    ("那个均衡认定的函 检查组去各省的差旅费是谁出啊", "没有写明费用承担"),
])
def test_an_instrument_or_a_link_a_document_only_names_is_said_missing(unseen, question, said):
    """A checklist's items, a scoring scheme, a download link, who pays: the passages that name
    them follow, under a first line that says the documents do not give them."""
    a = unseen.ask(question)
    assert said in first_line(a) and a.citations


@pytest.mark.parametrize("question", ["宜昌市2019年挂牌督导工作通知中，1月份有哪些工作安排？", "甘肃2025年1月有什么督导工作"])
def test_a_month_with_only_monthly_items_says_so_first(unseen, question):
    """每月到校督导 and 上半年 date no step in January: the first line says nothing is planned for
    the month itself, and the monthly items still follow."""
    a = unseen.ask(question)
    assert first_line(a).startswith("1月没有找到专门列明的工作安排") and "每月" in to_text(a)


@pytest.mark.parametrize("question", ["襄垣县2025年春季开学督导检查的对象是哪些学校",
                                      "肥西县2024年春季开学专项督导的重点对象是哪些学校？"])
def test_which_schools_are_the_object_asks_a_kind_not_names(unseen, question):
    """对象是哪些学校 asks which kind of school (全县公办、民办中小学校…), which the documents give:
    no "没有写明名单"."""
    a = unseen.ask(question)
    assert "没有写明" not in first_line(a) and a.citations


PLAN_OF_MARCH = """某县2024年3月责任督学挂牌督导工作要点

1.做好春季开学督导。各责任督学要于3月4日至3月8日深入所负责学校，查看学生到校情况。

2.开展校园安全排查。重点检查食堂和宿舍，督促学校整改隐患。

3.按时报送督导资料。各责任督学于3月29日前提交本月督导记录表。

某县教育督导室
2024年2月26日
"""


@pytest.fixture(scope="module")
def month_plans(tmp_path_factory, nano):
    """A single-month plan written here beside corpus-dev's: two members of the class."""
    corpus = tmp_path_factory.mktemp("month-plans")
    (corpus / "mouxian_2024_3yue.txt").write_text(PLAN_OF_MARCH, "utf-8")
    shutil.copy(DATA / "corpus-dev" / "a1_yuelu_10yue.txt", corpus)
    eng = make_engine(corpus, tmp_path_factory.mktemp("month-plans-index"), nano)
    eng.open()
    return eng


@pytest.mark.parametrize("question,item,steps", [
    ("某县2024年3月有什么工作安排", "做好春季开学督导",
     ["各责任督学要于3月4日至3月8日深入所负责学校", "各责任督学于3月29日前提交本月督导记录表"]),
    ("岳麓区2023年10月有什么工作安排", "做好国庆假期后返校复课督导",
     ["于10月31日前通过“岳麓区教育督导管理平台”提交本月督导记录表和督导意见书"]),
])
def test_a_single_month_plan_lists_its_items_with_the_steps_they_date(month_plans, question, item, steps):
    """The plan of one month is its own list: each item, the dated steps written in it quoted
    under it, and one source line for the document rather than one per item."""
    a = month_plans.ask(question)
    text = to_text(a).replace(" ", "")
    assert a.kind == "month" and item in text and all(s in text for s in steps), to_text(a)
    listing = to_text(a).split("相关原文：")[0]
    assert listing.count("——") == 1
    assert len(to_text(a)) <= 1500


@pytest.mark.parametrize("question", ["就是那个 大足开学专项督导重点查啥",
                                      "嗯 那个 岳麓区秋冬季校园安全隐患排查 就是查啥来着"])
def test_hesitations_around_a_question_are_not_its_words(request, question):
    """就是, 那个, 嗯, 来着 are said while thinking: never a word "the documents do not use"."""
    eng = request.getfixturevalue("engine" if "大足" in question else "unseen")
    a = eng.ask(question)
    assert "没有出现" not in first_line(a) and not a.unanswered and a.citations


@pytest.mark.parametrize("question,said", [
    ("襄垣开学检查报告要交哪些材料", "督导报告和检查记录表、纪实表"),
    ("襄垣开学督察是咋个督法", "学校自查、县教育局督导组实地督查"),
    ("莆田双高普九指导是结合哪几个区搞", "对秀屿区、湄洲湾北岸开发区将结合进行"),
])
def test_a_reply_shows_what_the_search_found_up_to_its_budget(unseen, question, said):
    """The passage that answers may rank past the first three quoted: the rest of what the search
    found follows while the reply fits 800 characters, as a plain passage search would show it."""
    a = unseen.ask(question)
    text = to_text(a)
    assert said in text.replace(" ", "") and len(text) <= 800, text


@pytest.mark.parametrize("question,said", [
    ("甘肃省2025年那个工作要点出自哪个部门", "甘肃省人民政府教育督导委员会办公室"),
    ("武侯区2022年那个通报是以谁的名义发的", "成都市武侯区教育局"),
    ("全国2018年那个函是哪天的文件", "2018年4月20日"),
    ("郑州市2001年那个条例发布于什么时候", "2001"),
    ("江西省2026年那个通知通知对象是谁", "各设区市"),
])
def test_a_document_asked_about_in_other_words_gets_its_field(unseen, question, said):
    """出自哪个部门, 以谁的名义, 哪天的文件, 发布于什么时候, 通知对象: the document's own fields."""
    a = unseen.ask(question)
    assert a.kind == "meta" and said in to_text(a), to_text(a)
