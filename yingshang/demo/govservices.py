"""Demo 政务服务 for the district: a catalogue of 35 items whose committed limits are far below the legal ones (as in
the seeds: 压减80%), three 一件事 bundles, and ten months of cases through the 行政审批局 window — 容缺 and
告知承诺 among them — with ratings, 差评整改 and 帮办代办, all written through the services with past timestamps so
the statistics have something to say. Idempotent: items and bundles are keyed by code; cases, ratings and agency
records are generated only when there are none yet."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Role
from yingshang.core.workdays import add_working_days
from yingshang.enterprises.models import Enterprise
from yingshang.govservices.models import (
    AgencyRequest,
    Bundle,
    BundleItem,
    CaseState,
    ItemMaterial,
    MaterialStatus,
    ServiceCase,
    ServiceItem,
    ServiceWindow,
)
from yingshang.govservices.services import (
    MaterialDecision,
    case_accept,
    case_accept_submitted,
    case_collect,
    case_correction_done,
    case_issue,
    case_submit_online,
    task_decide,
)
from yingshang.govservices.services_feedback import (
    agency_assign,
    agency_finish,
    agency_log_step,
    agency_request_create,
    case_rate,
    rectification_answer,
)
from yingshang.govservices.services_materials import commitment_verify, material_supply

from .govservices_data import AGENCY_SUBJECTS, BUNDLES, EXTRA_DEPARTMENTS, ITEMS


def _departments() -> dict[str, Department]:
    district = Department.objects.filter(code="DB").first()
    for order, (code, name) in enumerate(EXTRA_DEPARTMENTS):
        Department.objects.get_or_create(
            code=code, defaults={"name": name, "parent": district, "sort_order": 100 + order}
        )
    return {d.code: d for d in Department.objects.all()}


def _officers(departments: dict[str, Department]) -> dict[int, User]:
    """One back-office account per department without one (unusable password: these are for the demo's history)."""
    result: dict[int, User] = {}
    for code, department in departments.items():
        user = (
            User.objects.filter(role=Role.DEPARTMENT_STAFF, department=department, is_active=True)
            .order_by("id")
            .first()
        )
        if user is None:
            user = User(
                username=f"gs_{code.lower()}",
                full_name=f"{department.short_name or department.name} 审批员",
                role=Role.DEPARTMENT_STAFF,
                department=department,
            )
            user.set_unusable_password()
            user.save()
        result[department.pk] = user
    return result


def _catalogue(departments: dict[str, Department]) -> int:
    created = 0
    for code, name, dept, legal, committed, depth, cross, inprov, review, materials in ITEMS:
        if ServiceItem.objects.filter(code=code).exists():
            continue
        item = ServiceItem.objects.create(
            code=code,
            name=name,
            department=departments[dept],
            legal_limit_days=legal,
            committed_limit_days=committed,
            online_depth=depth,
            cross_province=cross,
            in_province=inprov,
            steps="\n".join(["一窗受理", review, "审批决定", "统一出件"]),
            conditions=f"申请人符合《{name}》相关法律法规规定的条件,材料齐全、符合法定形式。",
            legal_basis="《中华人民共和国行政许可法》及相关法律法规",
            window_location="东宝区政务服务中心一楼综合受理窗口(1-13号)",
            contact_phone="0724-2345600",
        )
        for order, (mname, form, copies, flags) in enumerate(materials):
            ItemMaterial(
                item=item,
                name=mname,
                form=form,
                copies=copies,
                source="申请人自备" if form != "electronic" else "政务服务网在线填报",
                required="非" not in flags,
                may_be_missing="容" in flags,
                commitment_allowed="诺" in flags,
                sort_order=order,
            ).save()
        created += 1
    for code, name, lead, item_codes, committed in BUNDLES:
        if Bundle.objects.filter(code=code).exists():
            continue
        bundle = Bundle.objects.create(
            code=code,
            name=name,
            lead_department=departments[lead],
            committed_limit_days=committed,
            description=f"{name}:一次告知、一表申请、一窗受理、并联审批、统一出件。",
        )
        for order, item_code in enumerate(item_codes):
            BundleItem.objects.create(bundle=bundle, item=ServiceItem.objects.get(code=item_code), sort_order=order)
    return created


def _applicant(enterprise: Enterprise) -> User:
    """The enterprise's account that files online (the demo's own login accounts belong to the first enterprise;
    the others get an account without a usable password, standing for their staff on 政务服务网)."""
    user = User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE, is_active=True).order_by("id").first()
    if user is None:
        user = User(
            username=f"gs_qy{enterprise.pk}",
            full_name=enterprise.contact_person or "企业经办人",
            role=Role.ENTERPRISE,
            enterprise=enterprise,
            phone=enterprise.contact_phone,
        )
        user.set_unusable_password()
        user.save()
    return user


def _moment(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, rng.randint(9, 16), rng.randint(0, 59)))


def _cases(clerk: User, officers: dict[int, User], rng: random.Random, today: date) -> int:
    items = list(ServiceItem.objects.prefetch_related("materials").order_by("code"))
    bundles = list(Bundle.objects.order_by("code"))
    enterprises = list(Enterprise.objects.order_by("id")[:40])
    first = enterprises[0]
    count = 0
    start = today - timedelta(days=300)
    for index in range(180):
        accepted_day = add_working_days(start + timedelta(days=int(index * 300 / 180)), 0)
        if accepted_day >= today:
            break
        now = _moment(accepted_day, rng)
        enterprise = first if index % 9 == 0 else rng.choice(enterprises)
        bundle = bundles[index % 3] if index % 12 == 5 else None
        item = None if bundle else rng.choice(items)
        person = bundle is None and rng.random() < 0.12
        online = not person and rng.random() < 0.74
        rater = None if person else _applicant(enterprise)
        rongque_materials = [m for m in (item.materials.all() if item else []) if m.may_be_missing]
        use_rongque = bool(rongque_materials) and rng.random() < 0.5
        committed_materials = [m for m in (item.materials.all() if item else []) if m.commitment_allowed]
        use_commitment = bool(committed_materials) and rng.random() < 0.6
        checklist: dict[str, MaterialDecision] = {}
        limit = (item.committed_limit_days if item else bundle.committed_limit_days) or 1  # type: ignore[union-attr]
        due = None
        if use_rongque and limit >= 2:
            checklist[rongque_materials[0].key] = MaterialDecision(MaterialStatus.MISSING)
            due = add_working_days(accepted_day, max(1, limit - 1))
        if use_commitment:
            checklist[committed_materials[0].key] = MaterialDecision(MaterialStatus.COMMITTED)
        if online and rater is not None:
            case = case_submit_online(by=rater, item=item, bundle=bundle, applicant_name=rater.display_name, now=now)
            by_key = {m.key: m.pk for m in case.materials.all()}
            case = case_accept_submitted(
                case=case,
                by=clerk,
                checklist={by_key[k]: d for k, d in checklist.items() if k in by_key},
                due_date=due,
                now=now + timedelta(minutes=40),
            )
        else:
            case = case_accept(
                by=clerk,
                item=item,
                bundle=bundle,
                applicant_kind="person" if person else "enterprise",
                enterprise=None if person else enterprise,
                applicant_name=enterprise.legal_representative or "张先生",
                applicant_phone=f"139{rng.randint(10000000, 99999999)}",
                applicant_id_number=f"420802{rng.randint(1960, 2000)}0{rng.randint(1, 9)}1{rng.randint(0, 2)}{rng.randint(1000, 9999)}"
                if person
                else "",
                checklist=checklist,
                due_date=due,
                now=now,
            )
        count += 1
        _advance(case, clerk, officers, rater, rng, today)
    return count


def _advance(
    case: ServiceCase, clerk: User, officers: dict[int, User], rater: User | None, rng: random.Random, today: date
) -> None:
    """Move a case on as its departments would have, stopping at today."""
    assert case.accepted_at is not None and case.deadline is not None
    accepted = timezone.localdate(case.accepted_at)
    if rng.random() < 0.02:  # a few cases overrun their committed deadline
        finish_day = add_working_days(case.deadline, 2)
    else:
        finish_day = add_working_days(accepted, rng.randint(0, case.committed_limit_days))
    missing = list(case.materials.filter(status=MaterialStatus.MISSING))
    for material in missing:
        assert material.due_date is not None
        supply_day = add_working_days(accepted, rng.randint(0, max(0, (material.due_date - accepted).days)))
        if rng.random() < 0.08:
            supply_day = add_working_days(material.due_date, 1)
        if supply_day >= today:
            return  # still waiting for the material
        when = _moment(supply_day, rng)
        if rater is not None and rng.random() < 0.6:
            material_supply(
                material=material, by=rater, file=SimpleUploadedFile("补齐材料.pdf", b"%PDF-1.4 demo"), now=when
            )
        else:
            material_supply(material=material, by=clerk, now=when)
        finish_day = max(finish_day, supply_day)
    if finish_day >= today:
        return
    for material in case.materials.filter(status=MaterialStatus.COMMITTED):
        officer = officers[case.tasks.order_by("id").first().department_id]  # type: ignore[union-attr]
        truthful = rng.random() > 0.1
        note = "现场核查与承诺一致" if truthful else "核查发现实际情况与承诺不符,相关证明未取得"
        commitment_verify(material=material, by=officer, truthful=truthful, note=note, now=_moment(finish_day, rng))
    decide_at = _moment(finish_day, rng)
    if rng.random() < 0.06:
        task = case.tasks.order_by("id").first()
        assert task is not None
        task_decide(
            task=task,
            by=officers[task.department_id],
            decision="correction",
            reason="申请表填写不完整,请补正",
            now=decide_at,
        )
        if rng.random() < 0.5:
            return
        case_correction_done(case=case, by=clerk, note="已补正申请表", now=decide_at + timedelta(minutes=30))
    rejected = rng.random() < 0.03
    for task in case.tasks.order_by("id"):
        decision = "reject" if rejected else "approve"
        reason = "不符合许可条件:经营场所位于居民住宅楼内" if rejected else ""
        task_decide(
            task=task,
            by=officers[task.department_id],
            decision=decision,
            reason=reason,
            now=decide_at + timedelta(hours=1),
        )
        if rejected:
            break
    case.refresh_from_db()
    if case.state == CaseState.APPROVED:
        locker = rng.random() < 0.3
        case = case_issue(
            case=case,
            by=clerk,
            pickup_method="locker" if locker else "window",
            locker_number=f"A{rng.randint(1, 40):02d}" if locker else "",
            now=decide_at + timedelta(hours=2),
        )
        if rng.random() < 0.85:
            case_collect(case=case, by=clerk, now=decide_at + timedelta(days=rng.randint(0, 3), hours=3))
    if rng.random() < 0.85:
        score = rng.choices([5, 4, 3, 2, 1], weights=[78, 16, 3, 2, 1])[0]
        by = rater if rater is not None else clerk
        comment = {1: "来回跑了两次,窗口告知不清楚", 2: "等待时间较长"}.get(score, "")
        rating = case_rate(case=case, by=by, score=score, comment=comment, now=decide_at + timedelta(hours=5))
        rectification = getattr(rating, "rectification", None)
        if rectification is not None:
            answer_day = add_working_days(timezone.localdate(rating.rated_at), rng.randint(2, 12))
            if answer_day < today:
                rectification_answer(
                    rectification=rectification,
                    by=officers[rectification.department_id],
                    answer="已约谈窗口人员,完善一次性告知单并电话回访申请人,申请人表示认可",
                    now=_moment(answer_day, rng),
                )


def _agency(officers: dict[int, User], rng: random.Random, today: date) -> int:
    coordinator = User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("id").first()
    agents = list(
        User.objects.filter(
            role__in=[Role.LIAISON, Role.DEPARTMENT_STAFF],
            is_active=True,
            username__in=["zhuanyuan", "jingxin", "shenpi"],
        )
    )
    if coordinator is None or not agents:
        return 0
    enterprises = list(Enterprise.objects.order_by("id")[:60])
    count = 0
    for index in range(48):
        enterprise = (
            enterprises[index % len(enterprises)] if index % 3 else enterprises[index % min(7, len(enterprises))]
        )
        requester = _applicant(enterprise)
        day = add_working_days(today - timedelta(days=290 - index * 6), 0)
        if day >= today:
            break
        subject, project = AGENCY_SUBJECTS[index % len(AGENCY_SUBJECTS)]
        request = agency_request_create(
            by=requester,
            subject=subject,
            project_name=project,
            description="项目手续多、企业不熟悉流程,申请全程帮办代办。",
            contact_name=requester.display_name,
            contact_phone=requester.phone or "13907240000",
            now=_moment(day, rng),
        )
        count += 1
        if index > 44:
            continue  # the newest wait for an agent
        agent = agents[index % len(agents)]
        agency_assign(request=request, by=coordinator, agent=agent, now=_moment(add_working_days(day, 1), rng))
        for step, note in enumerate(
            ["电话联系企业,梳理所需审批事项和材料清单", "陪同企业到综合窗口递交材料", "跟踪部门审批进度,协调并联审查"]
        ):
            when = add_working_days(day, 2 + step * 2)
            if when < today:
                agency_log_step(request=request, by=agent, note=note, now=_moment(when, rng))
        done = add_working_days(day, 10)
        if done < today and index < 42:
            agency_finish(request=request, by=agent, result="相关许可已全部办结,证照已送达企业", now=_moment(done, rng))
    return count


@transaction.atomic
def load() -> str:
    rng = random.Random(20241806)  # the seeds' 1,806 items
    departments = _departments()
    window_department = departments.get("XZSP")
    if window_department is None:
        return "政务服务:缺少区行政审批局,未载入"
    ServiceWindow.objects.get_or_create(department=window_department, defaults={"name": "东宝区政务服务中心综合窗口"})
    officers = _officers(departments)
    items_created = _catalogue(departments)
    today = timezone.localdate()
    cases = agency = 0
    clerk = User.objects.filter(username="shenpi").first() or officers[window_department.pk]
    if not ServiceCase.objects.exists() and Enterprise.objects.exists():
        cases = _cases(clerk, officers, rng, today)
    if not AgencyRequest.objects.exists() and Enterprise.objects.exists():
        agency = _agency(officers, rng, today)
    return (
        f"政务服务:{ServiceItem.objects.count()} 个事项(新增 {items_created})、{Bundle.objects.count()} 件一件事、"
        f"新增 {cases} 件办件、{agency} 次帮办代办"
    )
