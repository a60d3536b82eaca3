"""Documents as admins really add them: the eight wild web copies (tests/data/corpus-wild) and
small documents written here so that every rule is tested on at least two members of its class."""
from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.chunker import chunk_document
from retrieval.indexer import load_document
from retrieval.meta import parse_date
from retrieval.models import Document
from retrieval.pageclean import clean_page
from retrieval.scope import place_name
from retrieval.query import alias_table, match_regions
from retrieval.schedule_reader import extract_schedule
from retrieval.textnorm import normalize

WILD = Path(__file__).parent / "data" / "corpus-wild"


def wild(name: str) -> Document:
    return load_document(next(WILD.glob(f"{name}*.txt")))


def doc_of(tmp_path: Path, name: str, text: str) -> Document:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return load_document(path)


# -- metadata of every wild document ----------------------------------------------------------
# (file, title, issuer, 文号, 成文日期, 发布日期, region path, year)
WILD_META = [
    ("08_", "福建省莆田市人民政府办公室关于做好县级人民政府2008年度教育工作督导评估的通知",
     "福建省莆田市人民政府办公室", "", "2009-02-16", "", ["福建省", "莆田市"], 2008),
    ("10_", "", "", "国教督办函〔2018〕16号", "", "", ["全国"], 2018),
    ("12_", "2019年教育督導工作要點", "綿陽市游仙區人民政府教育督導室", "", "2019-03-25", "",
     ["四川省", "绵阳市", "游仙区"], 2019),
    ("14_", "2018年3月奉贤区责任督学挂牌督导指导意见", "", "", "", "", ["上海市", "奉贤区"], 2018),
    ("17_", "通知", "蒲城县人民政府教育督导室", "", "2020-04-20", "2020-04-21", ["陕西省", "渭南市", "蒲城县"], 2020),
    ("19_", "关于做好2025年春季开学工作督导检查的通知", "襄垣县教育局", "", "2025-03-11", "2025-03-11",
     ["山西省", "长治市", "襄垣县"], 2025),
    ("21_", "青阳县2023年督导工作总结报告", "青阳县教育体育局", "", "", "2024-02-16",
     ["安徽省", "池州市", "青阳县"], 2023),
    ("22_", "福安市新一轮幼儿园办园行为督导评估周期工作计划(2023-2027年)", "", "", "", "",
     ["福建省", "宁德市", "福安市"], 2023),
]


@pytest.mark.parametrize("name,title,issuer,number,date,published,path,year", WILD_META)
def test_wild_metadata(name, title, issuer, number, date, published, path, year):
    d = wild(name)
    assert (d.title, d.issuer, d.doc_number, d.date, d.published) == (title, issuer, number, date, published)
    assert (d.region_path, d.year) == (path, year)
    for field in ("title", "issuer", "doc_number", "date"):
        if getattr(d, field):  # every field found names the line it came from
            start, end = d.spans[field]
            assert d.text[start:end].strip()


def test_wild_recipients_and_attachments():
    assert wild("08_").recipients == "各县(区)人民政府(管委会),市直有关单位"
    assert wild("10_").recipients.startswith("各省、自治区、直辖市人民政府办公厅")
    assert wild("17_").attachments == ["蒲城县中小学校疫情防控工作专项督导检查表.xlsx"]
    assert wild("12_").attachments == ["2019年教育督導工作要點"]
    # the recipients line is never taken for the title
    assert "各片区" not in wild("17_").title


def test_numbered_attachments_under_the_first_are_all_read(tmp_path):
    dev = load_document(Path(__file__).parent / "data" / "corpus-dev" / "a1_lanshan_youeryuan.txt")
    assert [a.replace(" ", "") for a in dev.attachments] == ["1.兰山区幼儿园办园行为督导评估细则",
                                                             "2.2017年兰山区幼儿园办园行为督导评估名单"]
    d = doc_of(tmp_path, "fuzhou.txt", "某县教育局关于开展责任督学培训的通知\n各学校：\n现将有关事项通知如下。\n"
               "一、培训时间\n5月10日。\n\n附件：1．培训日程安排\n　　　2．参训人员回执\n　　　3．交通路线图\n\n"
               "某县教育局\n2022年4月20日\n")
    assert d.attachments == ["1．培训日程安排", "2．参训人员回执", "3．交通路线图"]


def test_a_field_not_in_the_text_stays_empty():
    for name in ("14_", "22_"):
        d = wild(name)
        assert not d.issuer and not d.doc_number and not d.date
    # the ministry letter names no place of its own: the organ that acts in it is national
    assert wild("10_").region == "全国"


@pytest.mark.parametrize("name,dropped", [("08_", 0), ("10_", 0), ("12_", 0), ("14_", 6), ("17_", 1),
                                          ("19_", 1), ("21_", 0), ("22_", 1)])
def test_wild_dropped_lines(name, dropped):
    assert wild(name).dropped == dropped


# -- page furniture, each class on two documents ----------------------------------------------
@pytest.mark.parametrize("line", [
    "您的位置：首页 >> 政务公开 >> 教育督导", "当前位置: 首页 > 通知公告",
    "发布时间:2020-04-21   浏览量:4620", "作者：办公室  阅读次数：135", "有60位读者读过",
    "字体大小:【大】 【中】 【小】", "2018年3月奉贤区责任督学挂牌督导指导意见.DOC",
    "— 3 —", "第2页 共5页",
    "1、原创力文档(book118)网站文档一经付费(服务费),不意味着购买了该文档的版权",
    "《某某工作计划.docx》由会员分享,可在线阅读,更多相关《某某工作计划.docx(4页珍藏版)》请在某站上搜索。",
])
def test_page_furniture_dropped(line):
    out = clean_page(f"关于开展督导的通知\n{line}\n一、工作内容\n开展专项督导。")
    assert out.dropped == 1 and line.strip() not in out.text


@pytest.mark.parametrize("text,kept", [
    ("一、工作内容\n开展专项督导，实现全覆盖—1—\n二、时间", "开展专项督导，实现全覆盖\n"),
    ("（一）加强培训 - 12 -\n内容", "（一）加强培训\n"),
])
def test_pdf_page_number_inside_a_line_removed(text, kept):
    assert kept in clean_page(text).text


@pytest.mark.parametrize("raw,clean", [
    ("教育督導(dǎo)工作要點(diǎn)", "教育督導工作要點"),
    ("綿陽(yáng)市游仙區(qū)", "綿陽市游仙區"),
])
def test_pinyin_glosses_removed(raw, clean):
    assert clean_page(raw).text == clean


def test_page_marks_of_document_sites_joined():
    for text in (wild("22_").text,
                 clean_page("1、某某工作计划一、总体要求以评促建，加强指导和监\n"
                            "2、督管理，提高质量。二、工作安排按月推进，逐\n3、项落实。").text):
        assert "\n2、" not in text and "\n3、" not in text
    assert "加强指导和监督管理" in clean_page("1、一、总体要求以评促建，加强指导和监\n2、督管理。").text


def test_flattened_web_copy_split_at_its_sections():
    for text in (wild("14_").text, wild("22_").text):
        lines = text.split("\n")
        assert any(ln.startswith("二、") for ln in lines)
    flat = ("某县2024年督导工作要点 根据上级要求，制定本要点。一、重点任务 1.开展专项督导。"
            "2.开展挂牌督导。二、工作要求 1.加强组织领导。2.严格督导纪律。" + "落实到位。" * 30)
    lines = clean_page(flat).text.split("\n")
    assert "二、工作要求" in lines and "2.开展挂牌督导。" in lines


# -- dates in every spelling ------------------------------------------------------------------
@pytest.mark.parametrize("text,iso", [
    ("二〇〇九年二月十六日", "2009-02-16"), ("二○二一年十二月三十一日", "2021-12-31"),
    ("2024/3/21", "2024-03-21"), ("2021-01-14", "2021-01-14"), ("2021.1.4", "2021-01-04"),
    ("11.09.2014", "2014-09-11"), ("2021年3月15日印发", "2021-03-15"), ("发布日期:2024-02-16", "2024-02-16"),
    ("2021年13月1日", ""), ("编号 12345678", ""),
])
def test_dates_in_every_spelling(text, iso):
    assert parse_date(text) == iso


def test_issuer_from_signature_and_dates_from_info_lines(tmp_path):
    signed = doc_of(tmp_path, "a.txt", "关于开展春季开学检查的通知\n各中小学：\n一、检查内容\n安全工作。\n"
                    "某某县教育局\n2024/3/21\n")
    assert (signed.issuer, signed.date, signed.recipients) == ("某某县教育局", "2024-03-21", "各中小学")
    page = doc_of(tmp_path, "b.txt", "标题:关于做好秋季开学督导的通知 | |\n发文机关:某某区教育局 | 发布日期:2023-08-20 |\n"
                  "一、督导内容\n开学准备。\n")
    assert (page.title, page.issuer, page.published) == ("关于做好秋季开学督导的通知", "某某区教育局", "2023-08-20")


def test_issuer_from_the_title(tmp_path):
    d = doc_of(tmp_path, "t.txt", "南京市江宁区人民政府教育督导室关于开展2024年责任督学培训的通知\n各学校：\n一、培训内容\n督导业务。\n")
    assert d.issuer == "南京市江宁区人民政府教育督导室"
    assert d.region_path == ["江苏省", "南京市", "江宁区"]
    assert {"江宁", "南京", "江苏"} <= set(d.aliases)


# -- regions: the gazetteer, parents, same-named districts ------------------------------------
def test_same_named_districts_stay_apart_by_city(tmp_path):
    fz = doc_of(tmp_path, "fz.txt", "福州市鼓楼区教育局关于开展2024年督导工作的通知\n一、内容\n督导。\n")
    nj = doc_of(tmp_path, "nj.txt", "南京市鼓楼区教育局关于开展2024年督导工作的通知\n一、内容\n督导。\n")
    assert fz.region == nj.region == "鼓楼区" and fz.region_key != nj.region_key
    table = alias_table([fz, nj])
    assert match_regions(normalize("福州鼓楼区的督导"), table)[0] == [fz.region_key]
    assert match_regions(normalize("南京的督导"), table)[0] == [nj.region_key]
    assert sorted(match_regions(normalize("鼓楼区的督导"), table)[0]) == sorted([fz.region_key, nj.region_key])


@pytest.mark.parametrize("name,city_words", [("08_", ["莆田", "福建"]), ("12_", ["绵阳", "四川"]),
                                             ("17_", ["渭南", "陕西"]), ("22_", ["宁德", "福建"])])
def test_wild_regions_reachable_by_city_and_province(name, city_words):
    d = wild(name)
    table = alias_table([d])
    for w in city_words:
        assert match_regions(normalize(f"{w}的督导安排"), table)[0] == [d.region_key]


# -- schedules from every layout --------------------------------------------------------------
def schedule_of(d: Document):
    return extract_schedule(d, chunk_document(d))


def test_dated_steps_in_running_text_with_the_year_of_issue():
    entries = schedule_of(wild("08_"))
    got = {(e.when_text, tuple(e.months), e.year) for e in entries}
    assert ("4月10日前", (4,), 2009) in got
    for when, month in [("4月20日—24日", 4), ("5月4日—8日", 5), ("5月18日—22日", 5), ("5月25日—29日", 5),
                        ("6月9日—12日", 6), ("10月19日—23日", 10)]:
        assert (when, (month,), 2009) in got
    assert not any("二〇〇九" in e.when_text for e in entries)  # the signature date is no step
    moe = {(e.when_text, tuple(e.months)) for e in schedule_of(wild("10_"))}
    assert ("5月15日前", (5,)) in moe and ("7月", (7,)) in moe


def test_range_across_months_and_a_time_section():
    entries = schedule_of(wild("17_"))
    assert [(e.when_text, e.months, e.year) for e in entries] == [("4月22日—5月15日", [4, 5], 2020)]
    xy = {(e.when_text, tuple(e.months)) for e in schedule_of(wild("19_"))}
    assert ("2月15日", (2,)) in xy and ("3月20日", (3,)) in xy
    assert not any("|" in e.activity for e in schedule_of(wild("19_")))  # info rows are no step


def test_single_month_documents_schedule_every_passage(tmp_path):
    fx = schedule_of(wild("14_"))
    month = [e for e in fx if e.source == "document"]
    assert month and all(e.months == [3] and e.year == 2018 for e in month)
    assert any("视察校容校貌" in e.activity for e in month)
    # a passage's own dated sentence is a step of its own too, never another month's plan
    assert all(e.source in ("document", "text") for e in fx)
    other = doc_of(tmp_path, "oct.txt", "2024年10月份责任督学工作要点\n一、工作任务\n1.开展课后服务专项督导。\n"
                   "2.检查食堂管理。\n")
    entries = schedule_of(other)
    assert {e.activity for e in entries} >= {"开展课后服务专项督导。", "检查食堂管理。"}
    assert all(e.months == [10] and e.year == 2024 for e in entries)


def test_wild_calendar_has_names_and_no_page_furniture():
    for f in sorted(WILD.glob("*.txt")):
        d = load_document(f)
        for e in schedule_of(d):
            assert e.region and e.region == place_name(d)
            assert "|" not in e.activity and "原创力" not in e.activity and "浏览量" not in e.activity


def test_calendar_of_the_wild_corpus_names_every_region(tmp_path, tiny_st_model):
    import shutil

    from retrieval.config import load_config
    from retrieval.embedders import SentenceTransformerEmbedder
    from retrieval.engine import Engine
    from retrieval.time_answers import calendar_table
    corpus = tmp_path / "wild"
    corpus.mkdir()
    for f in WILD.glob("*.txt"):
        shutil.copy(f, corpus / f.name)
    eng = Engine(load_config(corpus_dir=corpus, index_dir=tmp_path / "idx", telegram_token=""),
                 embedder=SentenceTransformerEmbedder(str(tiny_st_model))).open()
    table = calendar_table(eng)
    rows = [r.split("\t") for r in table.splitlines()[1:] if "\t" in r]
    assert len(rows) >= 15 and all(r[0] for r in rows)
    assert {r[0] for r in rows} >= {"莆田市", "蒲城县", "襄垣县", "奉贤区"}
    for furniture in ("【】", "、、", "|", "原创力", "浏览量", "发布时间"):
        assert furniture not in table
    report = eng.last_report
    assert report.documents == 8 and not report.rejected
    assert {name[:3]: n for name, n in report.dropped.items()} == {"14_": 6, "17_": 1, "19_": 1, "22_": 1}


@pytest.mark.parametrize("line", [
    "本文档由用户上传，付费后可下载全文，如有侵权请联系删除",          # another sharing site's wording
    "2、本站所有内容均由合作方或网友上传，本站不对文档的完整性做任何保证",
])
def test_document_site_terms_dropped_whatever_the_site(line):
    assert clean_page(f"关于开展督导的通知\n{line}\n一、工作内容\n开展专项督导。").dropped == 1


def test_a_circular_sentence_about_fees_is_kept():
    line = "严禁在职教师有偿补课和组织学生参加付费培训。"
    assert clean_page(f"一、工作内容\n{line}").dropped == 0


# -- web pages (trafilatura) and PDFs (pdfplumber) ----------------------------------------------
HTML = Path(__file__).parent / "data" / "html"
PAGE_FURNITURE = ("您的位置", "当前位置", "浏览次数", "阅读次数", "字号", "分享到", "打印本页", "关闭窗口",
                  "版权所有", "网站首页", "ICP", "相关链接", "主办单位")


@pytest.mark.parametrize("name,title,issuer,number,date,published", [
    # a div layout: title in <h1> and the page's own info line outside the article
    ("div-layout", "测试区人民政府教育督导室关于印发《测试区2024年教育督导工作要点》的通知",
     "测试区人民政府教育督导室", "测教督〔2024〕2号", "2024-03-20", "2024-03-21"),
    # a layout of nested tables with an info table (索引号 | … | 发布机构 | … | 文号 | …)
    ("table-layout", "测试县教育局关于做好2023年春季学期开学工作的通知", "测试县教育局", "测教发〔2023〕5号",
     "2023-02-10", ""),
])
def test_web_pages_of_either_layout(name, title, issuer, number, date, published):
    d = load_document(HTML / f"{name}.html")
    assert (d.title, d.issuer, d.doc_number, d.date, d.published) == (title, issuer, number, date, published)
    assert d.fmt == "html" and d.dropped >= 1
    for furniture in PAGE_FURNITURE:
        assert furniture not in d.text, furniture
    for e in extract_schedule(d, chunk_document(d)):  # the signature is never part of an entry
        assert issuer not in e.activity and "索引号" not in e.activity


def test_web_page_month_table_one_entry_per_numbered_item():
    d = load_document(HTML / "div-layout.html")
    got = [(e.when_text, e.activity) for e in extract_schedule(d, chunk_document(d)) if e.source == "table"]
    assert got == [("3月", "召开全区教育督导工作会议"), ("3月", "开展春季开学专项督导"), ("9月", "秋季开学工作检查")]


def test_web_page_dated_steps():
    d = load_document(HTML / "table-layout.html")
    got = {(e.when_text, tuple(e.months), e.year) for e in extract_schedule(d, chunk_document(d))}
    assert {("2月20日前", (2,), 2023), ("2月21日至3月3日", (2, 3), 2023)} <= got


RULED = [["月份", "重点工作", "责任科室"],
         ["三月", "开展春季开学工作专项督导，重点检查校园安全、食堂卫生和课后服务开展情况。", "督导室"],
         ["四月", "1.对幼儿园办园行为开展督导评估。2.组织责任督学参加省级培训。", "督导室"],
         ["九月", "开展秋季开学工作调研。", "督导室"]]


def write_ruled_pdf(path: Path, rows=RULED) -> Path:
    """The circular of makefiles.SAMPLE_LINES, its month table on page 2 with ruled cells narrow
    enough that the long ones wrap onto two lines."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    from tests.makefiles import SAMPLE_LINES
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=11, leading=16)
    cell = ParagraphStyle("c", fontName="STSong-Light", fontSize=10, leading=13)
    table = Table([[Paragraph(c, cell) for c in r] for r in rows], colWidths=[20 * mm, 90 * mm, 30 * mm],
                  style=[("GRID", (0, 0), (-1, -1), 0.5, "black")])
    story = [Paragraph(line, body) for line in SAMPLE_LINES]
    story += [PageBreak(), Paragraph("二、月度安排", body), table, Paragraph("测试县教育督导室", body)]
    SimpleDocTemplate(str(path)).build(story)
    return path


def test_pdf_ruled_table_with_wrapped_cells_reads_like_the_docx(tmp_path):
    from tests.makefiles import write_docx
    pdf = load_document(write_ruled_pdf(tmp_path / "plan.pdf"))
    docx = load_document(write_docx(tmp_path / "plan.docx", table=RULED))

    def entries(d):
        return [(e.when_text, e.months, e.activity) for e in extract_schedule(d, chunk_document(d))]
    assert entries(pdf) == entries(docx)
    assert [(w, a) for w, _, a in entries(pdf)] == [
        ("三月", "开展春季开学工作专项督导，重点检查校园安全、食堂卫生和课后服务开展情况。；督导室"),
        ("四月", "对幼儿园办园行为开展督导评估。；督导室"), ("四月", "组织责任督学参加省级培训。；督导室"),
        ("九月", "开展秋季开学工作调研。；督导室")]


def test_pdf_pages_are_known_and_other_formats_have_none(tmp_path):
    from tests.makefiles import write_docx
    pdf = load_document(write_ruled_pdf(tmp_path / "plan.pdf"))
    assert len(pdf.pages) == 2
    rows = [c for c in chunk_document(pdf) if c.kind == "row"]
    assert rows and all(pdf.page_at(c.start) == 2 for c in rows)
    assert pdf.page_at(0) == 1
    assert "\x0c" not in pdf.text
    docx = load_document(write_docx(tmp_path / "plan.docx", table=RULED))
    assert docx.pages == [] and docx.page_at(10) is None


def test_citations_of_a_pdf_name_the_page(tmp_path, tiny_st_model):
    from retrieval.config import load_config
    from retrieval.embedders import SentenceTransformerEmbedder
    from retrieval.engine import Engine
    from retrieval.render import to_json, to_text
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_ruled_pdf(corpus / "plan.pdf")
    eng = Engine(load_config(corpus_dir=corpus, index_dir=tmp_path / "idx", telegram_token=""),
                 embedder=SentenceTransformerEmbedder(str(tiny_st_model))).open()
    month = eng.ask("四月做什么")
    assert "（第2页）" in to_text(month) and "组织责任督学参加省级培训" in to_text(month)
    passage = eng.ask("责任督学培训怎么安排")
    pages = {c["text"][:8]: c["page"] for c in to_json(passage)["citations"]}
    assert pages and set(pages.values()) <= {1, 2} and 1 in pages.values()


@pytest.mark.parametrize("sentence,expected", [
    ("确保我区创建学前教育普及普惠区于2022年4月接受市级评估和2022年9月接受国家认定顺利通过。",
     [("2022年4月", "确保我区创建学前教育普及普惠区于2022年4月接受市级评估"),
      ("2022年9月", "确保我区创建学前教育普及普惠区于2022年9月接受国家认定顺利通过")]),
    ("计划于2024年5月开展中期评估和11月开展终期评估。",
     [("2024年5月", "计划于2024年5月开展中期评估"), ("11月", "计划于11月开展终期评估")]),
    # a date with nothing of its own shares the next one's
    ("2024年3月、9月开展双减专项督导。",
     [("2024年3月", "2024年3月开展双减专项督导"), ("9月", "9月开展双减专项督导")]),
])
def test_several_dated_events_in_one_sentence_each_keep_their_own_part(tmp_path, sentence, expected):
    d = doc_of(tmp_path, "plan.txt", f"2024年教育督导工作计划\n一、重点工作\n1.{sentence}\n")
    got = [(e.when_text, e.activity) for e in extract_schedule(d, chunk_document(d))]
    assert got == expected
