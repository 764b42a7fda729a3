"""An enterprise's timeline keeps every event: rows can be added, never edited or deleted through the ORM."""

from __future__ import annotations

import pytest

from yingshang.core.models import AppendOnlyError
from yingshang.enterprises.models import EnterpriseEvent


@pytest.mark.django_db
def test_a_timeline_event_can_be_added_but_not_edited_or_deleted(enterprise_battery_maker):
    event = EnterpriseEvent.objects.create(enterprise=enterprise_battery_maker, kind="updated", summary="修改联系人")
    event.summary = "改写历史"
    with pytest.raises(AppendOnlyError, match="企业记录事件只能追加,不能修改"):
        event.save()
    with pytest.raises(AppendOnlyError, match="不能删除"):
        event.delete()
    assert EnterpriseEvent.objects.get(pk=event.pk).summary == "修改联系人"
