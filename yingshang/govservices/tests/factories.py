"""Factories for 政务服务 test data. Call `XFactory.create(...)`."""

from __future__ import annotations

from typing import Any

import factory
from django.core.files.base import ContentFile

from yingshang.accounts.tests.factories import DepartmentFactory

from ..models import AgencyRequest, Bundle, BundleItem, ItemMaterial, ServiceItem
from ..services import MaterialDecision, case_accept


class ServiceItemFactory(factory.django.DjangoModelFactory[ServiceItem]):
    class Meta:
        model = ServiceItem
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T-{n:05d}")
    name = factory.Sequence(lambda n: f"测试许可事项{n}")
    department = factory.SubFactory(DepartmentFactory)
    legal_limit_days = 20
    committed_limit_days = 5

    @factory.post_generation
    def materials(obj: ServiceItem, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        specs = (
            extracted
            if extracted is not None
            else [
                ("营业执照", {"form": "copy"}),
                ("法定代表人身份证明", {}),
                ("场所使用证明", {"may_be_missing": True}),
                ("安全生产承诺书", {"commitment_allowed": True}),
            ]
        )
        for order, (name, extra) in enumerate(specs):
            ItemMaterial(item=obj, name=name, sort_order=order, **extra).save()


def make_bundle(items: list[ServiceItem], *, lead_department: Any, code: str = "B-TEST", **kwargs: Any) -> Bundle:
    bundle = Bundle.objects.create(
        code=code, name=kwargs.pop("name", "开办测试店一件事"), lead_department=lead_department, **kwargs
    )
    for order, item in enumerate(items):
        BundleItem.objects.create(bundle=bundle, item=item, sort_order=order)
    return bundle


def make_case(
    *,
    item: ServiceItem,
    enterprise: Any,
    clerk: Any,
    missing: tuple[str, ...] = (),
    due_date: Any = None,
    **kwargs: Any,
) -> Any:
    """A case accepted at the window by `clerk` (whose department must be a window)."""
    from ..models import ServiceWindow

    ServiceWindow.objects.get_or_create(department=clerk.department, defaults={"name": "测试窗口"})
    checklist = {m.key: MaterialDecision("missing") for m in item.materials.all() if m.name in missing}
    case = case_accept(
        by=clerk,
        item=item,
        applicant_kind="enterprise",
        enterprise=enterprise,
        applicant_name="王经办",
        applicant_phone="13900001111",
        checklist=checklist,
        due_date=due_date,
        **kwargs,
    )
    material = case.materials.first()
    if material is not None and not missing:
        material.file.save("license.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return case


class AgencyRequestFactory(factory.django.DjangoModelFactory[AgencyRequest]):
    class Meta:
        model = AgencyRequest

    subject = "建设工程规划许可代办"
    project_name = "新能源电池二期项目"
    contact_name = "周经理"
    contact_phone = "13907240001"
    state = "assigned"
