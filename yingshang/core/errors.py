"""The one error type services raise for a rule a user broke; its message is shown to the user as is."""

from __future__ import annotations


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(ApplicationError):
    """A user tried something their role does not allow."""


class ConflictError(ApplicationError):
    """Someone else changed the record first; reload and try again."""
