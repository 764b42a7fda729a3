"""The `grants` relation of the rules engine: money an enterprise has already been paid under any policy (a
免申即享 grant or an approved application), read from Disbursement so both kinds count the same way."""

from __future__ import annotations

from yingshang.rules import Field, Relation

from . import engine
from .models import Disbursement, PolicyCategory


def register_grants_relation() -> None:
    engine.register_relation(
        Relation(
            "grants",
            "已获政策资金",
            "paid_on",
            (
                Field("category", "政策类别", "choice", choices=tuple(PolicyCategory.choices), db="policy__category"),
                Field("policy", "政策名称", "text", db="policy__title"),
                Field("amount", "拨付金额", "decimal", "元", db="amount_fen"),
                Field("paid_on", "拨付日期", "date", db="paid_on"),
            ),
            count_unit="笔",
            source="本平台兑现记录",
            db=Disbursement,
        ),
        replace=True,
    )
