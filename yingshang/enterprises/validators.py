"""Validation of enterprise identifiers, with messages a clerk understands."""

from __future__ import annotations

import random
import re
import unicodedata

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

from yingshang.core.errors import ApplicationError

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_DIGITS = re.compile(r"[0-9]+")


def normalize_uscc(value: object) -> str:
    """Return the code upper-cased and stripped, or raise ApplicationError with the reason in Chinese.

    Codes are often copied from Chinese documents, so full-width letters, digits and spaces are folded (NFKC) first.
    """
    text = "" if value is None else unicodedata.normalize("NFKC", str(value))
    code = stdnum_uscc.compact(text)
    if not code:
        raise ApplicationError("统一社会信用代码不能为空", field="uscc")
    if len(code) != 18:
        raise ApplicationError(f"统一社会信用代码应为18位,当前为{len(code)}位", field="uscc")
    if code[0] == "0":
        raise ApplicationError("统一社会信用代码第1位(登记管理部门代码)不能为0", field="uscc")
    bad = [c for c in code if c not in _ALPHABET]
    if bad:
        raise ApplicationError(
            f"统一社会信用代码含有不允许的字符:{''.join(sorted(set(bad)))}(不使用 I、O、Z、S、V)", field="uscc"
        )
    if not _DIGITS.fullmatch(code[2:8]):
        raise ApplicationError("统一社会信用代码第3至8位(登记管理机关行政区划码)应为数字", field="uscc")
    if not _DIGITS.fullmatch(code[:2]):
        raise ApplicationError("统一社会信用代码第1、2位(登记管理部门和机构类别代码)应为数字", field="uscc")
    try:
        stdnum_uscc.validate(code)
    except InvalidChecksum as exc:
        raise ApplicationError("统一社会信用代码校验位错误,请核对是否输错", field="uscc") from exc
    except InvalidLength as exc:
        raise ApplicationError("统一社会信用代码长度错误", field="uscc") from exc
    except ValidationError as exc:
        raise ApplicationError("统一社会信用代码格式错误", field="uscc") from exc
    return code


def generate_uscc(rng: random.Random, *, region: str = "420802", kind: str = "91") -> str:
    """A valid code for demo and test data (region 420802 is 荆门市东宝区)."""
    body = kind + region + "".join(rng.choice(_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


_PHONE = re.compile(r"^[0-9-]{7,20}$")
# GB/T 4754: a section letter A–T, optionally followed by the 2–4 digit division/group/class code; or the digits.
_INDUSTRY_CODE = re.compile(r"^(?:[A-T](?:\d{2,4})?|\d{2,4})$")


def normalize_phone(value: object, *, label: str = "联系电话") -> str:
    """A contact phone as stored: spaces removed, full-width digits folded; "" when blank."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))
    if text and not _PHONE.fullmatch(text):
        raise ApplicationError(f"{label}格式不正确(只能包含数字和“-”,7至20位)", field="contact_phone")
    return text


def normalize_industry_code(value: object, *, label: str = "行业代码") -> str:
    """A GB/T 4754 code upper-cased ("c3841" → "C3841"); "" when blank."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().upper()
    if text and not _INDUSTRY_CODE.fullmatch(text):
        raise ApplicationError(f"{label}应为国民经济行业分类代码,如 C3985 或 3985", field="industry_code")
    return text
