"""Chunking follows the document's own structure and keeps the clause path of every passage."""

from __future__ import annotations

from yingshang.assistant.chunking import MAX_CHARS, chunk_text

from .conftest import LOAN_RULES


def test_articles_become_passages_with_their_chapter_in_the_clause_path():
    chunks = chunk_text(LOAN_RULES, title="东宝区创业担保贷款实施细则")
    second = next(c for c in chunks if c.text.startswith("第二条"))
    assert second.clause_path.startswith("第二章 贷款额度与贴息 > 第二条")
    assert "30万元" in second.text and "第三条" not in second.text
    fifth = next(c for c in chunks if c.text.startswith("第五条"))
    assert fifth.clause_path.startswith("第三章 附则 > 第五条")


def test_the_repeated_title_line_is_not_a_passage():
    chunks = chunk_text(LOAN_RULES, title="东宝区创业担保贷款实施细则")
    assert all(c.text != "东宝区创业担保贷款实施细则" for c in chunks)


def test_numbered_outline_headings_nest():
    text = "一、做优服务平台\n1、做优党建引领服务平台。组建产链党委,覆盖园区企业185家。\n(一)下设小组\n1.小组一负责走访。\n二、做优政策落实\n正文内容在这里,说明政策如何落实到每一家企业。"
    chunks = chunk_text(text)
    first = next(c for c in chunks if "185家" in c.text)
    assert first.clause_path == "一、做优服务平台 > 1、做优党建引领服务平台"
    nested = next(c for c in chunks if "小组一" in c.text)
    assert nested.clause_path == "一、做优服务平台 > (一)下设小组 > 1.小组一负责走访"
    last = next(c for c in chunks if "每一家企业" in c.text)
    assert last.clause_path == "二、做优政策落实"


def test_a_number_with_a_decimal_point_is_not_a_heading():
    chunks = chunk_text("1.5亿元资金用于奖补企业,覆盖全区规上工业企业,兑现时间为每年第一季度。")
    assert chunks[0].clause_path == "第1段"


def test_long_passages_are_split_at_sentence_ends():
    sentence = "企业应当按照规定提交申请材料并接受审核。"
    chunks = chunk_text("第一条 " + sentence * 60)
    assert len(chunks) > 1
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert all(c.text.endswith("。") for c in chunks[:-1])
    assert chunks[0].clause_path.startswith("第一条") and chunks[1].clause_path.endswith("(之2)")
