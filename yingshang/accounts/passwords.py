"""Password rules: at least 8 characters from at least 3 of 4 classes, and not a common password."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

# Django's CommonPasswordValidator knows English lists; these are the ones Chinese leak lists put at the top.
_CHINESE_COMMON = {
    "woaini1314",
    "woaini520",
    "Aa123456",
    "Aa123456.",
    "Aa123456!",
    "Abc123456",
    "Qq123456",
    "Admin123",
    "Admin@123",
    "Admin123!",
    "P@ssw0rd",
    "Passw0rd!",
    "Password1!",
    "1qaz@WSX",
    "1qaz!QAZ",
    "Zxc123456",
    "Asd123456",
    "Qwe123456",
    "Qwe123!@#",
    "Abc@1234",
    "Abcd1234!",
    "Huawei@123",
    "Yingshang1",
    "Yingshang@123",
}
_CHINESE_COMMON_LOWER = {p.lower() for p in _CHINESE_COMMON}


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            [
                any(c.islower() and c.isascii() for c in password),
                any(c.isupper() and c.isascii() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )

    def validate(self, password: str, user: Any = None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


class ChineseCommonPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if password.lower() in _CHINESE_COMMON_LOWER:
            raise ValidationError("该密码过于常见,请换一个。", code="password_too_common")

    def get_help_text(self) -> str:
        return "不能使用常见密码。"


# Django's zh-hans catalogue misses some validator messages (the minimum length one appears in English), and the
# Accept-Language header can switch the others; the rules are ours, so their wording is ours too, by error code.
_ZH_MESSAGES = {
    "password_too_short": "密码太短,至少需要 %(min_length)d 个字符。",
    "password_too_similar": "密码与%(verbose_name)s过于相似。",
    "password_too_common": "该密码过于常见,请换一个。",
    "password_entirely_numeric": "密码不能全部是数字。",
}

PASSWORD_HELP_TEXT = "至少 8 位,包含大写字母、小写字母、数字、符号中的至少 3 类;不能是常见密码,不能与用户名或姓名相近。"


def validate_password_zh(password: str, user: Any = None) -> None:
    """Run AUTH_PASSWORD_VALIDATORS and raise one ValidationError whose messages are all in Chinese."""
    from django.contrib.auth import password_validation

    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        messages: list[str] = []
        for error in exc.error_list:
            template = _ZH_MESSAGES.get(error.code or "")
            text = template % (error.params or {}) if template else " ".join(str(m) for m in error.messages)
            if text not in messages:
                messages.append(text)
        raise ValidationError(messages) from exc
