"""Sharing a yearly fund pool among the grantees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence

from .errors import RuleError

POOL_RULES = {"pro_rata": "按比例分配", "first_come": "先到先得"}

Claim = tuple[Hashable, int, dt.datetime | dt.date | int]  # (claimant, amount in fen, claimed at)


def allocate_pool(claims: Sequence[Claim], pool_fen: int, rule: str) -> dict[Hashable, int]:
    """What each claimant receives, in fen. Never more than claimed, never more than the pool in total.

    pro_rata: when the claims exceed the pool each claim is scaled by pool / total, rounded down to the fen; the fen
    left over go one each to the largest remainders (ties: earlier claim first), so the pool is used exactly.
    first_come: claims are paid in claimed-at order until the pool runs out; the claim that crosses the limit gets
    what is left.
    """
    if rule not in POOL_RULES:
        raise RuleError(f"不支持的资金池分配规则「{rule}」(应为 pro_rata 或 first_come)")
    if pool_fen < 0 or any(amount < 0 for _, amount, _ in claims):
        raise RuleError("资金池和申领金额不能为负数")
    ids = [c[0] for c in claims]
    if len(set(ids)) != len(ids):
        raise RuleError("同一申领人不能重复申领")
    total = sum(amount for _, amount, _ in claims)
    if total <= pool_fen:
        return {cid: amount for cid, amount, _ in claims}
    order = sorted(range(len(claims)), key=lambda i: (claims[i][2], i))
    if rule == "first_come":
        left = pool_fen
        paid: dict[Hashable, int] = {}
        for i in order:
            cid, amount, _ = claims[i]
            paid[cid] = min(amount, left)
            left -= paid[cid]
        return {cid: paid[cid] for cid in ids}
    shares = [(amount * pool_fen) // total for _, amount, _ in claims]
    remainders = [(amount * pool_fen) % total for _, amount, _ in claims]
    rank = {i: pos for pos, i in enumerate(order)}
    leftover = pool_fen - sum(shares)
    for i in sorted(range(len(claims)), key=lambda i: (-remainders[i], rank[i]))[:leftover]:
        shares[i] += 1
    return {cid: shares[i] for i, cid in enumerate(ids)}
