from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from . import workdays

router = Router(tags=["平台基础"])


class WorkdayOut(Schema):
    start: date
    working_days: int
    result: date


@router.get("workdays/add", response=WorkdayOut, summary="按工作日推算日期")
def workdays_add(request: HttpRequest, start: date, n: int) -> WorkdayOut:
    return WorkdayOut(start=start, working_days=n, result=workdays.add_working_days(start, n))
