"""Small helpers shared by the account views."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from yingshang.core.errors import ApplicationError

PAGE_SIZE = 50

INCOMPLETE_REQUEST = "请求不完整,请刷新页面后使用页面上的按钮重试。"


def add_service_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@contextmanager
def flash_outcome(request: HttpRequest, *, success: str) -> Iterator[None]:
    """For the one-button actions: a service's refusal becomes an error message (and is not raised further),
    anything else shows `success`."""
    try:
        yield
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def posted_flag(request: HttpRequest, name: str) -> bool | None:
    """A yes/no that the page's buttons post as "1" or "0"; None when it is missing or anything else."""
    return {"1": True, "0": False}.get(request.POST.get(name, ""))


def paginate(request: HttpRequest, qs: QuerySet) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
