"""Password rules: at least 8 characters, 3 of 4 character classes, not a common password; messages in Chinese."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from yingshang.accounts.passwords import validate_password_zh


def _codes(password: str) -> set[str]:
    try:
        validate_password(password)
    except ValidationError as exc:
        return {e.code or "" for e in exc.error_list}
    return set()


def test_a_seven_character_password_is_too_short() -> None:
    assert "password_too_short" in _codes("Lh7#kpQ")


def test_a_password_with_only_two_character_classes_is_too_simple() -> None:
    assert "password_too_simple" in _codes("lanhaiyun2026")


def test_a_password_from_the_chinese_leak_lists_is_refused() -> None:
    assert "password_too_common" in _codes("Admin@123")


def test_a_password_from_the_english_common_list_is_refused() -> None:
    assert "password_too_common" in _codes("Password1!")


def test_a_long_password_with_three_classes_is_accepted() -> None:
    assert _codes("Lanhai-yun-2026") == set()


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Lh7#kpQ", "密码太短,至少需要 8 个字符。"),
        ("lanhaiyun2026", "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。"),
        ("12345678901", "密码不能全部是数字。"),
    ],
)
def test_rule_messages_are_in_chinese(password: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password_zh(password)
    assert expected in caught.value.messages


def test_the_same_complaint_from_two_common_password_lists_is_shown_once() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password_zh("Password1!")
    assert caught.value.messages.count("该密码过于常见,请换一个。") == 1
