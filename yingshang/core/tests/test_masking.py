"""Phone numbers and ID numbers are masked wherever a template shows them."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from yingshang.core import masking


def render(source: str, **context: object) -> str:
    return Template("{% load masking %}" + source).render(Context(context))


def test_a_mobile_number_keeps_its_first_three_and_last_four_digits():
    assert render("{{ phone|mask_phone }}", phone="13812341234") == "138****1234"


def test_a_phone_number_with_spaces_is_masked_the_same_way():
    assert masking.mask_phone("138 1234 1234") == "138****1234"


def test_an_eighteen_digit_id_number_keeps_six_then_eight_stars_then_four():
    assert render("{{ id|mask_id }}", id="42080219900307123X") == "420802********123X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ""), (None, ""), ("7", "*"), ("12", "**"), ("12345", "1***5"), ("0724123", "07***23")],
)
def test_short_and_empty_phone_numbers(value, expected):
    assert render("{{ v|mask_phone }}", v=value) == expected


@pytest.mark.parametrize(("value", "expected"), [("", ""), (None, ""), ("A1", "**"), ("A12345", "A****5")])
def test_short_and_empty_id_numbers(value, expected):
    assert render("{{ v|mask_id }}", v=value) == expected


def test_a_missing_variable_renders_as_nothing():
    assert render("[{{ nothing|mask_phone }}][{{ nothing|mask_id }}]") == "[][]"


def test_a_number_stored_as_an_integer_is_masked_too():
    assert render("{{ v|mask_phone }}", v=13812341234) == "138****1234"


def test_masked_output_is_still_html_escaped():
    assert render("{{ v|mask_phone }}", v="<b>13812341234</b>") == "&lt;b&gt;****&lt;/b&gt;"


def test_names_and_e_mail_addresses():
    assert render("{{ v|mask_name }}", v="张三丰") == "张*丰"
    assert render("{{ v|mask_email }}", v="zhangsan@jingmen.gov.cn") == "z******n@jingmen.gov.cn"
