"""Errors and the three-valued verdict."""

from __future__ import annotations

import enum


class RuleError(ValueError):
    """A rule or formula that cannot be used. The message is Chinese and names the path of the bad node."""

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class Verdict(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    # Members are singletons compared by identity, so they hash by identity too: explanations look verdicts up in
    # dicts hundreds of thousands of times a second, and Enum's own __hash__ is Python code.
    __hash__ = object.__hash__

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def mark(self) -> str:
        return _MARKS[self]

    @staticmethod
    def of(value: bool) -> Verdict:
        return Verdict.TRUE if value else Verdict.FALSE


_LABELS = {Verdict.TRUE: "符合", Verdict.FALSE: "不符合", Verdict.UNKNOWN: "待补充信息"}
_MARKS = {Verdict.TRUE: "✓", Verdict.FALSE: "✗", Verdict.UNKNOWN: "?"}


def kleene_all(verdicts: list[Verdict]) -> Verdict:
    if Verdict.FALSE in verdicts:
        return Verdict.FALSE
    if Verdict.UNKNOWN in verdicts:
        return Verdict.UNKNOWN
    return Verdict.TRUE


def kleene_any(verdicts: list[Verdict]) -> Verdict:
    if Verdict.TRUE in verdicts:
        return Verdict.TRUE
    if Verdict.UNKNOWN in verdicts:
        return Verdict.UNKNOWN
    return Verdict.FALSE


def kleene_not(verdict: Verdict) -> Verdict:
    return {Verdict.TRUE: Verdict.FALSE, Verdict.FALSE: Verdict.TRUE}.get(verdict, Verdict.UNKNOWN)
