"""USCC validation: python-stdnum's checks plus the rules a clerk trips over, each with a Chinese message."""

from __future__ import annotations

import random

import pytest

from yingshang.core.errors import ApplicationError
from yingshang.enterprises.validators import generate_uscc, normalize_uscc

VALID = "91110000600037341L"


def _error(value: object) -> str:
    with pytest.raises(ApplicationError) as exc_info:
        normalize_uscc(value)
    assert exc_info.value.field == "uscc"
    return exc_info.value.message


def test_a_valid_code_is_returned_unchanged():
    assert normalize_uscc(VALID) == VALID


def test_lowercase_letters_are_upper_cased():
    assert normalize_uscc("91110000600037341l") == VALID


def test_spaces_hyphens_and_full_width_characters_are_folded():
    assert normalize_uscc(" 9111 0000-6000 37341L ") == VALID
    assert normalize_uscc("９１１１００００６０００３７３４１Ｌ") == VALID
    assert normalize_uscc("91110000\u3000600037341L") == VALID


def test_empty_code_is_refused():
    assert _error("") == "统一社会信用代码不能为空"
    assert _error(None) == "统一社会信用代码不能为空"


def test_wrong_length_names_the_length():
    assert _error("9111000060003734") == "统一社会信用代码应为18位,当前为16位"


def test_first_character_zero_is_refused():
    assert _error("01110000600037341L") == "统一社会信用代码第1位(登记管理部门代码)不能为0"


def test_positions_three_to_eight_must_be_digits():
    assert _error("911A0000600037341L") == "统一社会信用代码第3至8位(登记管理机关行政区划码)应为数字"


def test_letters_never_used_in_codes_are_named():
    message = _error("91110000600037341O")
    assert "不允许的字符:O" in message
    assert "不使用 I、O、Z、S、V" in message


def test_a_letter_in_the_first_two_positions_is_refused():
    assert _error("9A110000600037341L") == "统一社会信用代码第1、2位(登记管理部门和机构类别代码)应为数字"


def test_a_wrong_check_digit_asks_to_check_for_typos():
    assert _error("91110000600037341M") == "统一社会信用代码校验位错误,请核对是否输错"


def test_generated_codes_are_valid():
    rng = random.Random(7)
    for _ in range(200):
        code = generate_uscc(rng)
        assert normalize_uscc(code) == code


# -- one rule for phones and industry codes, shared by the form and the import ----------------------------------


def test_the_form_and_the_import_accept_and_refuse_the_same_phones_and_industry_codes(db):
    from yingshang.enterprises.forms import EnterpriseForm
    from yingshang.enterprises.validators import normalize_industry_code, normalize_phone

    assert normalize_phone(" 0724-234 5600 ") == "0724-2345600"
    assert normalize_phone("１３８００００１１１１") == "13800001111"
    assert normalize_industry_code("c3841") == "C3841"
    assert normalize_industry_code("C") == "C"
    for bad_phone in ("12345", "+86 13800001111", "(0724)2345600"):
        with pytest.raises(ApplicationError, match="联系电话格式不正确"):
            normalize_phone(bad_phone)
        form = EnterpriseForm({"contact_phone": bad_phone})
        form.is_valid()
        assert form.errors["contact_phone"] == ["联系电话格式不正确(只能包含数字和“-”,7至20位)"]
    for bad_code in ("Z12", "C1", "制造业"):
        with pytest.raises(ApplicationError):
            normalize_industry_code(bad_code)
        form = EnterpriseForm({"industry_code": bad_code})
        form.is_valid()
        assert "国民经济行业分类代码" in form.errors["industry_code"][0]
