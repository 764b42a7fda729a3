"""Writes on the catalogue: items with their materials, bundles, front-desk windows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from yingshang.accounts.models import Department
from yingshang.accounts.roles import Cap
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError

from .models import (
    Bundle,
    BundleItem,
    ItemKind,
    ItemLevel,
    ItemMaterial,
    MaterialForm,
    OnlineDepth,
    ServiceItem,
    ServiceWindow,
    material_key,
)


def _require_manager(by: Any) -> None:
    if not by.has_cap(Cap.MANAGE_SERVICE_CATALOGUE):
        raise PermissionDeniedError("您的角色无权维护政务服务事项清单")


@dataclass(frozen=True)
class MaterialInput:
    name: str
    form: str = MaterialForm.ORIGINAL
    copies: int = 1
    source: str = "申请人自备"
    required: bool = True
    may_be_missing: bool = False
    commitment_allowed: bool = False
    notes: str = ""


@dataclass(frozen=True)
class ItemInput:
    code: str
    name: str
    department: Department
    legal_limit_days: int
    committed_limit_days: int
    level: str = ItemLevel.DISTRICT
    kind: str = ItemKind.ON_APPLICATION
    conditions: str = ""
    fees: str = "不收费"
    online_depth: str = OnlineDepth.LEVEL3
    cross_province: bool = False
    in_province: bool = False
    steps: str = "受理\n审查\n决定\n办结"
    legal_basis: str = ""
    window_location: str = ""
    contact_phone: str = ""
    is_active: bool = True
    materials: list[MaterialInput] | None = field(default=None)


ITEM_FIELDS = (
    "code",
    "name",
    "department",
    "legal_limit_days",
    "committed_limit_days",
    "level",
    "kind",
    "conditions",
    "fees",
    "online_depth",
    "cross_province",
    "in_province",
    "steps",
    "legal_basis",
    "window_location",
    "contact_phone",
    "is_active",
)


def validate_item(data: ItemInput, *, existing_pk: int | None = None, check_code: bool = True) -> None:
    """The rules every way of saving an item shares (form, import)."""
    code = data.code.strip()
    if not code:
        raise ApplicationError("事项编码不能为空", field="code")
    if len(code) > 40:
        raise ApplicationError("事项编码不能超过 40 个字符", field="code")
    if not data.name.strip():
        raise ApplicationError("事项名称不能为空", field="name")
    if data.legal_limit_days < 1:
        raise ApplicationError("法定办结时限至少 1 个工作日", field="legal_limit_days")
    if data.committed_limit_days < 0:
        raise ApplicationError("承诺办结时限不能为负数", field="committed_limit_days")
    if data.committed_limit_days > data.legal_limit_days:
        raise ApplicationError("承诺办结时限不能长于法定办结时限", field="committed_limit_days")
    if data.level not in ItemLevel.values:
        raise ApplicationError("层级应为区级、乡镇(街道)级或村(社区)级", field="level")
    if data.kind not in ItemKind.values:
        raise ApplicationError("事项类型应为依申请事项或公共服务事项", field="kind")
    if data.online_depth not in OnlineDepth.values:
        raise ApplicationError("网办深度应为 1 至 4 级", field="online_depth")
    if check_code:
        clash = ServiceItem.objects.filter(code=code)
        if existing_pk:
            clash = clash.exclude(pk=existing_pk)
        if clash.exists():
            raise ApplicationError(f"事项编码 {code} 已被使用", field="code")
    names: set[str] = set()
    for material in data.materials or []:
        validate_material(material)
        if material.name.strip() in names:
            raise ApplicationError(f"材料“{material.name}”重复", field="materials")
        names.add(material.name.strip())


def validate_material(material: MaterialInput) -> None:
    if not material.name.strip():
        raise ApplicationError("材料名称不能为空", field="materials")
    if material.form not in MaterialForm.values:
        raise ApplicationError("材料形式应为原件、复印件或电子件", field="materials")
    if not 1 <= material.copies <= 99:
        raise ApplicationError("材料份数应在 1 至 99 之间", field="materials")
    if material.may_be_missing and not material.required:
        raise ApplicationError(f"“{material.name}”不是必要材料,无需设为可容缺", field="materials")


def _write_item(item: ServiceItem | None, data: ItemInput) -> tuple[ServiceItem, bool]:
    created = item is None
    item = item or ServiceItem()
    for name in ITEM_FIELDS:
        value = getattr(data, name)
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.save()
    if data.materials is not None:
        # Cases copy their checklist at acceptance, so replacing an item's materials never changes a running case.
        item.materials.all().delete()
        for order, m in enumerate(data.materials):
            ItemMaterial(
                item=item,
                name=m.name.strip(),
                form=m.form,
                copies=m.copies,
                source=m.source.strip(),
                required=m.required,
                may_be_missing=m.may_be_missing,
                commitment_allowed=m.commitment_allowed,
                notes=m.notes.strip(),
                sort_order=order,
            ).save()
    return item, created


@transaction.atomic
def item_save(*, item: ServiceItem | None, data: ItemInput, by: Any, audit: bool = True) -> ServiceItem:
    _require_manager(by)
    validate_item(data, existing_pk=item.pk if item else None)
    saved, created = _write_item(item, data)
    if audit:
        audit_record(
            action=Action.RECORD_CREATED if created else Action.RECORD_UPDATED,
            user=by,
            obj=saved,
            detail={"event": "service_item_saved", "code": saved.code, "materials": saved.materials.count()},
        )
    return saved


@transaction.atomic
def items_import(*, rows: list[ItemInput], by: Any, filename: str) -> tuple[int, int]:
    """Apply already validated rows in one transaction: nothing is half-imported. Returns (created, updated).

    New items and all materials are written in bulk (a catalogue of 1,806 items and 9,000 materials is a few dozen
    statements instead of 13,000); changed items are saved one by one, which keeps `updated_at` honest."""
    _require_manager(by)
    existing = {i.code: i for i in ServiceItem.objects.filter(code__in=[r.code for r in rows])}
    fresh: list[ServiceItem] = []
    for row in rows:
        item = existing.get(row.code) or ServiceItem()
        for name in ITEM_FIELDS:
            value = getattr(row, name)
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        if item.pk:
            item.save()
        else:
            fresh.append(item)
    ServiceItem.objects.bulk_create(fresh, batch_size=500)
    by_code = {i.code: i for i in [*existing.values(), *fresh]}
    replaced = [by_code[r.code].pk for r in rows if r.materials is not None]
    ItemMaterial.objects.filter(item_id__in=replaced).delete()
    ItemMaterial.objects.bulk_create(
        [
            ItemMaterial(
                item=by_code[row.code],
                name=m.name.strip(),
                key=material_key(m.name),
                form=m.form,
                copies=m.copies,
                source=m.source.strip(),
                required=m.required,
                may_be_missing=m.may_be_missing,
                commitment_allowed=m.commitment_allowed,
                notes=m.notes.strip(),
                sort_order=order,
            )
            for row in rows
            for order, m in enumerate(row.materials or [])
        ],
        batch_size=1000,
    )
    created, updated = len(fresh), len(rows) - len(fresh)
    audit_record(
        action=Action.IMPORT,
        user=by,
        detail={"event": "service_catalogue_import", "file": filename, "created": created, "updated": updated},
    )
    return created, updated


@transaction.atomic
def bundle_save(
    *,
    bundle: Bundle | None,
    code: str,
    name: str,
    description: str,
    lead_department: Department,
    items: list[ServiceItem],
    committed_limit_days: int | None,
    is_active: bool,
    by: Any,
) -> Bundle:
    _require_manager(by)
    code = code.strip()
    if not code or not name.strip():
        raise ApplicationError("编码和名称不能为空", field="name")
    clash = Bundle.objects.filter(code=code)
    if bundle is not None:
        clash = clash.exclude(pk=bundle.pk)
    if clash.exists():
        raise ApplicationError(f"编码 {code} 已被使用", field="code")
    if len(items) < 2:
        raise ApplicationError("一件事至少包含两个事项", field="items")
    slowest = max(i.committed_limit_days for i in items)
    if committed_limit_days is not None and committed_limit_days > sum(i.committed_limit_days for i in items):
        raise ApplicationError("一件事的承诺时限不应长于逐项办理的时限之和", field="committed_limit_days")
    created = bundle is None
    bundle = bundle or Bundle()
    bundle.code = code
    bundle.name = name.strip()
    bundle.description = description.strip()
    bundle.lead_department = lead_department
    bundle.committed_limit_days = committed_limit_days
    bundle.is_active = is_active
    bundle.save()
    BundleItem.objects.filter(bundle=bundle).delete()
    BundleItem.objects.bulk_create([BundleItem(bundle=bundle, item=i, sort_order=n) for n, i in enumerate(items)])
    audit_record(
        action=Action.RECORD_CREATED if created else Action.RECORD_UPDATED,
        user=by,
        obj=bundle,
        detail={"event": "service_bundle_saved", "items": [i.code for i in items], "slowest_item_days": slowest},
    )
    return bundle


@transaction.atomic
def windows_set(*, departments: list[Department], by: Any) -> int:
    """Which departments work the front desk (their sub-units included)."""
    _require_manager(by)
    wanted = {d.pk: d for d in departments}
    ServiceWindow.objects.exclude(department_id__in=wanted).delete()
    have = set(ServiceWindow.objects.values_list("department_id", flat=True))
    for pk, department in wanted.items():
        if pk not in have:
            ServiceWindow.objects.create(department=department, name=f"{department.name}综合窗口")
    audit_record(
        action=Action.RECORD_UPDATED, user=by, detail={"event": "service_windows_set", "departments": sorted(wanted)}
    )
    return len(wanted)
