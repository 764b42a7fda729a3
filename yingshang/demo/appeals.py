"""Demo 企业诉求: the category tree of the issue with default departments and time limits, four months of appeals
through every channel and state (some overdue/red, some due soon/yellow, suspended, reopened, merged, 核减), three
政企活动 with the appeals raised at them, 督办 with 催办, and 回访 ratings, so that the ledger, the statistics and the
红黄榜 show meaningful figures.

Everything goes through the services, run under `events.clock` at plausible past times. Idempotent: categories are
keyed by code; appeals are generated only when there are none yet.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from yingshang.accounts.models import Department, User
from yingshang.accounts.roles import Role
from yingshang.appeals.events import clock
from yingshang.appeals.models import (
    Appeal,
    AppealCategory,
    AppealState,
    Channel,
    MeetingKind,
    Rating,
    Resolution,
    SupervisionLevel,
    Urgency,
)
from yingshang.appeals.services import (
    MeetingAppealRow,
    appeal_dispatch,
    appeal_exclude,
    appeal_extension_decide,
    appeal_extension_request,
    appeal_file,
    appeal_follow_up,
    appeal_merge,
    appeal_reply,
    appeal_resume,
    appeal_return,
    appeal_review,
    appeal_sign,
    appeal_supervise,
    appeal_suspension_decide,
    appeal_suspension_request,
    meeting_record,
    supervision_remind,
    supervision_reply,
)
from yingshang.core.workdays import add_working_days
from yingshang.enterprises.models import Enterprise

# (code, name, parent code, default department code, sign, normal, urgent, critical)
CATEGORIES = [
    ("land-energy", "用地用能", None, "ZRZY", 1, 10, 5, 2),
    ("land", "用地保障", "land-energy", "ZRZY", 1, 15, 7, 3),
    ("power-gas", "用电用气", "land-energy", "JXJ", 1, 7, 3, 1),
    ("approval", "审批验收", None, "XZSP", 1, 7, 3, 1),
    ("finance", "融资需求", None, "JRZX", 1, 10, 5, 2),
    ("policy", "政策兑现", None, "JXJ", 1, 10, 5, 2),
    ("hiring", "用工招聘", None, "RSJ", 1, 10, 5, 2),
    ("inspection", "执法检查", None, "SCJG", 1, 7, 3, 1),
    ("logistics", "物流交通", None, "SWJ", 1, 10, 5, 2),
    ("legal", "法律纠纷", None, "ZDCY", 1, 15, 7, 3),
    ("other", "其他", None, None, 1, 10, 5, 2),
]

# category code → (title, description) templates
TOPICS: dict[str, list[tuple[str, str]]] = {
    "land": [("新建厂房用地指标迟迟未落实", "二期项目已签约一年,用地指标仍未落实,影响开工。")],
    "power-gas": [
        ("新产线用电增容申请", "新增两条生产线,需增容 2000 千伏安,申请已提交一个月。"),
        ("天然气管道接入费用过高", "燃气公司报价的接入费明显高于周边园区,请协调。"),
    ],
    "approval": [
        ("消防验收排期太长", "厂房已完工,消防验收排期要一个半月,请加快。"),
        ("施工许可证办理材料反复补正", "同一份材料被要求补正三次,每次意见不同。"),
    ],
    "finance": [
        ("流动资金贷款需求 800 万元", "原材料涨价,需要流动资金贷款,希望对接银行。"),
        ("申请应急转贷资金", "一笔 500 万元贷款下月到期,续贷需过桥资金。"),
    ],
    "policy": [
        ("技改补贴申报后未拨付", "去年技改项目补贴已公示,至今未到账。"),
        ("专精特新奖励资金咨询", "想了解今年专精特新奖励的申报条件和时间。"),
    ],
    "hiring": [
        ("急需招聘数控技工 30 名", "订单增加,急缺数控技工,希望对接职业院校。"),
        ("员工子女入学问题", "外地技术骨干子女入学需要协调。"),
    ],
    "inspection": [("一个月内接受三次同类检查", "不同科室先后来查同一事项,希望合并检查。")],
    "logistics": [
        ("园区道路施工影响货车进出", "园区主干道施工,大货车无法进出厂区。"),
        ("申请货车通行证", "城区限行,送货需要货车通行证。"),
    ],
    "legal": [("合同纠纷需要法律援助", "外地客户拖欠货款 300 万元,希望提供法律服务。")],
    "other": [("企业门口公交站点设置建议", "员工通勤不便,建议增设公交站点。")],
}

CHANNEL_WEIGHTS = [
    (Channel.WEB, 30),
    (Channel.MINI_PROGRAM, 15),
    (Channel.HOTLINE_12345, 20),
    (Channel.PHONE, 15),
    (Channel.RECEPTION, 10),
    (Channel.VISIT, 10),
]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _ensure_categories() -> dict[str, AppealCategory]:
    departments = {d.code: d for d in Department.objects.all()}
    result: dict[str, AppealCategory] = {}
    for order, (code, name, parent, dept, sign, normal, urgent, critical) in enumerate(CATEGORIES):
        category, _ = AppealCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": result.get(parent) if parent else None,
                "default_department": departments.get(dept) if dept else None,
                "sign_limit_days": sign,
                "limit_normal_days": normal,
                "limit_urgent_days": urgent,
                "limit_critical_days": critical,
                "sort_order": order * 10,
            },
        )
        result[code] = category
    return result


def _department_staff(department: Department) -> User:
    """A handling account per department; demo-only actors without a usable password."""
    existing = User.objects.filter(department=department, role=Role.DEPARTMENT_STAFF, is_active=True).first()
    if existing is not None:
        return existing
    user = User(
        username=f"demo_{department.code.lower().replace('-', '_')}",
        full_name=f"{department.short_name or department.name} 经办人",
        role=Role.DEPARTMENT_STAFF,
        department=department,
        phone=department.contact_phone,
    )
    user.set_unusable_password()
    user.save()
    return user


class _Story:
    """Walks one appeal through the loop at past times, stopping at its planned state or at `now`."""

    def __init__(self, rng: random.Random, office: User, now: datetime) -> None:
        self.rng, self.office, self.now = rng, office, now
        self.last = now

    def at(self, day: date) -> datetime:
        """A working-hours moment of `day`, after the previous step of the same appeal and before now."""
        moment = _local(day, self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45)))
        moment = min(
            max(moment, self.last + timedelta(minutes=self.rng.randint(10, 50))), self.now - timedelta(minutes=5)
        )
        self.last = moment
        return moment

    def run(self, appeal: Appeal, plan: str, filed: date) -> None:
        rng, office = self.rng, self.office
        self.last = appeal.created_at
        lead = appeal.category.default_department or Department.objects.get(code="JXJ")
        staff = _department_staff(lead)
        today = timezone.localdate(self.now)
        day = add_working_days(filed, 0 if plan == "yellow" else rng.choice((0, 0, 1)))
        if plan == "submitted" or day > today:
            return
        if plan == "returned":
            with clock(self.at(day)):
                appeal = appeal_dispatch(appeal=appeal, lead=Department.objects.get(code="SWJ"), by=office)
                appeal_return(
                    appeal=appeal,
                    by=_department_staff(Department.objects.get(code="SWJ")),
                    reason="不属本局职责,建议由园区管委会办理",
                )
            day = add_working_days(day, 1)
            lead = Department.objects.get(code="GYYQ")
            staff = _department_staff(lead)
            if day > today:
                return
        with clock(self.at(day)):
            appeal_dispatch(appeal=appeal, lead=lead, by=office)
        if plan == "dispatched":
            return
        # Most departments sign the same or next working day; some are late.
        day = add_working_days(day, rng.choice((0, 0, 1, 1, 1, 1, 2)))
        if day > today:
            return
        with clock(self.at(day)):
            appeal_sign(appeal=appeal, by=staff)
        appeal.refresh_from_db()
        if plan in ("red", "yellow", "handling"):
            if plan == "red" and rng.random() < 0.5:
                with clock(self.at(today)):
                    supervision = appeal_supervise(
                        appeal=appeal,
                        by=office,
                        level=rng.choice(SupervisionLevel.values),
                        opinion="该诉求已超期,请主办部门三个工作日内办结并书面回复。",
                        deadline=add_working_days(today, 3),
                    )
                    supervision_remind(supervision=supervision, by=office)
            return
        if plan == "suspended":
            with clock(self.at(day)):
                request = appeal_suspension_request(appeal=appeal, by=staff, reason="等待企业补充用地红线图")
                appeal_suspension_decide(suspension=request, by=office, approve=True, note="同意挂起")
            return
        limit = appeal.category.limit_for(appeal.urgency)
        if plan == "extended":
            with clock(self.at(day)):
                extension = appeal_extension_request(appeal=appeal, by=staff, days=5, reason="需要市级部门会商")
                appeal_extension_decide(extension=extension, by=office, approve=True)
            limit += 5
        if plan == "resumed":
            with clock(self.at(day)):
                request = appeal_suspension_request(appeal=appeal, by=staff, reason="等待企业补充材料")
                appeal_suspension_decide(suspension=request, by=office, approve=True)
            day = add_working_days(day, 3)
            with clock(self.at(min(day, today))):
                appeal_resume(appeal=appeal, by=office)
        # Replies mostly within the limit, a fifth of them late.
        spent = rng.randint(1, max(1, limit - 4)) if rng.random() < 0.85 else limit + rng.randint(1, 4)
        day = add_working_days(day, spent)
        if day > today:
            return
        with clock(self.at(day)):
            appeal_reply(appeal=appeal, by=staff, content=rng.choice(REPLIES))
        if plan == "replied":
            return
        day = add_working_days(day, rng.choice((0, 1)))
        if day > today:
            return
        with clock(self.at(day)):
            appeal = appeal_review(appeal=appeal, by=office, approve=True, comment="答复完整")
        if plan == "reviewed":
            return
        day = add_working_days(day, rng.choice((1, 2)))
        if day > today:
            return
        resolution, rating = rng.choice(OUTCOMES)
        if plan == "reopened":
            resolution, rating = Resolution.UNSOLVED, Rating.DISSATISFIED
        with clock(self.at(day)):
            appeal_follow_up(
                appeal=appeal,
                by=office,
                reached=True,
                resolution=resolution,
                rating=rating,
                comment="电话回访企业负责人",
            )


REPLIES = [
    "已会同相关单位现场办公,问题已协调解决。",
    "已对接三家银行,企业已获批授信。",
    "经核查,已按政策兑现,资金已拨付到账。",
    "已安排专场招聘会,企业招到所需人员。",
    "已调整施工方案,预留货车通道。",
]
OUTCOMES = [
    (Resolution.SOLVED, Rating.VERY_SATISFIED),
    (Resolution.SOLVED, Rating.VERY_SATISFIED),
    (Resolution.SOLVED, Rating.SATISFIED),
    (Resolution.SOLVED, Rating.SATISFIED),
    (Resolution.PARTLY, Rating.BASICALLY),
    (Resolution.SOLVED, Rating.BASICALLY),
]
PLANS = [
    ("closed", 55),
    ("handling", 6),
    ("red", 8),
    ("yellow", 5),
    ("replied", 4),
    ("reviewed", 4),
    ("dispatched", 3),
    ("suspended", 3),
    ("resumed", 3),
    ("extended", 3),
    ("returned", 3),
    ("reopened", 3),
]


def _filed_day(rng: random.Random, plan: str, today: date, category: AppealCategory) -> date:
    limit = category.limit_normal_days
    if plan == "submitted":
        return today
    if plan == "red":  # already past its limit
        return add_working_days(today, -(limit + rng.randint(3, 8)))
    if plan == "yellow":  # due on the next working day (today's if today is one): yellow now
        return add_working_days(add_working_days(today, 0), -limit)
    if plan in ("handling", "dispatched", "replied", "reviewed"):
        return add_working_days(today, -rng.randint(1, 3))
    return today - timedelta(days=rng.randint(10, 120))


@transaction.atomic
def load() -> str:
    categories = _ensure_categories()
    if Appeal.objects.exists():
        return f"企业诉求:{len(categories)} 个分类,已有 {Appeal.objects.count()} 件诉求(未重复生成)"
    office = User.objects.filter(username="yingshangban").first() or User.objects.filter(role=Role.COORDINATOR).first()
    enterprise_user = User.objects.filter(username="qiye").first()
    enterprises = list(Enterprise.objects.order_by("id")[:120])
    if office is None or not enterprises:
        return "企业诉求:缺少营商办账号或企业,未生成诉求"
    rng = random.Random(20261122)
    now = timezone.now()
    today = timezone.localdate(now)
    story = _Story(rng, office, now)
    leaves = [c for c in categories.values() if c.code in TOPICS]
    plans = [p for p, w in PLANS for _ in range(w)]
    channels = [c for c, w in CHANNEL_WEIGHTS for _ in range(w)]
    created: list[Appeal] = []
    for index in range(110):
        plan = "submitted" if index < 4 else rng.choice(plans)
        category = rng.choice(leaves)
        title, description = rng.choice(TOPICS[category.code])
        filed = _filed_day(rng, plan, today, category)
        own = enterprise_user is not None and index % 9 == 0
        enterprise = (enterprise_user.enterprise if own and enterprise_user else None) or rng.choice(enterprises)
        channel = Channel.WEB if own else rng.choice(channels)
        filer = enterprise_user if own else office
        if filer is office and channel in (Channel.WEB, Channel.MINI_PROGRAM):
            channel = Channel.PHONE
        with clock(min(_local(filed, rng.randint(8, 17), rng.choice((5, 20, 40))), now - timedelta(minutes=30))):
            appeal = appeal_file(
                by=filer,
                category=category,
                title=title,
                description=description,
                enterprise=enterprise,
                channel=channel,
                external_id=f"GD{filed:%Y%m%d}{index:04d}" if channel == Channel.HOTLINE_12345 else "",
                # Red and yellow appeals are timed against the normal limit.
                urgency=Urgency.NORMAL
                if plan in ("red", "yellow")
                else rng.choice([Urgency.NORMAL] * 6 + [Urgency.URGENT, Urgency.CRITICAL]),
                confidential=index % 23 == 5,
                contact_name=enterprise.contact_person or "企业联系人",
                contact_phone=enterprise.contact_phone or f"139{rng.randint(10000000, 99999999)}",
            ).appeal
        story.run(appeal, plan, filed)
        created.append(appeal)
    meetings = _meetings(rng, office, enterprises, categories, today, now, story)
    _tidy(created, office, now)
    open_count = Appeal.objects.exclude(state__in=[AppealState.CLOSED, AppealState.MERGED]).count()
    return (
        f"企业诉求:{len(categories)} 个分类,{Appeal.objects.count()} 件诉求(在办 {open_count} 件),{meetings} 场政企活动"
    )


def _meetings(
    rng: random.Random,
    office: User,
    enterprises: list[Enterprise],
    categories: dict[str, AppealCategory],
    today: date,
    now: datetime,
    story: _Story,
) -> int:
    plans = [
        (MeetingKind.TEA, "政企茶叙会:装备制造企业专场", 60, "区委书记"),
        (MeetingKind.BREAKFAST, "政企早餐会:新能源电池产业链", 35, "区长"),
        (MeetingKind.RECEPTION, "区领导企业接待日", 12, "常务副区长"),
    ]
    for kind, title, days_ago, host in plans:
        held = add_working_days(today - timedelta(days=days_ago), 0)
        rows = []
        for _ in range(4):
            category = categories[rng.choice(list(TOPICS))]
            topic, description = rng.choice(TOPICS[category.code])
            rows.append(
                MeetingAppealRow(
                    enterprise=rng.choice(enterprises), category=category, title=topic, description=description
                )
            )
        with clock(min(_local(held, 8), now - timedelta(hours=1))):
            _, appeals = meeting_record(
                by=office,
                kind=kind,
                title=title,
                held_on=held,
                location="区政务服务中心三楼会议室",
                host=host,
                notes="企业代表现场反映问题,逐条登记,会后分派。",
                rows=rows,
            )
        for appeal in appeals:
            story.run(appeal, rng.choice(["closed", "closed", "closed", "reopened"]), held)
    return len(plans)


def _tidy(created: list[Appeal], office: User, now: datetime) -> None:
    """A duplicate merged, two appeals 核减 with reasons, and one 督办 answered in writing."""
    open_appeals = list(Appeal.objects.filter(pk__in=[a.pk for a in created], state=AppealState.SUBMITTED))
    targets = list(Appeal.objects.filter(state=AppealState.HANDLING).order_by("id")[:1])
    with clock(now - timedelta(minutes=2)):
        if len(open_appeals) >= 2 and targets:
            appeal_merge(appeal=open_appeals[-1], into=targets[0], by=office, reason="同一企业重复反映同一事项")
        for appeal, reason in zip(
            Appeal.objects.filter(state=AppealState.CLOSED, last_rating__lte=3).order_by("id")[:2],
            ["企业诉求超出政策规定范围,经领导小组认定为不合理诉求", "属司法程序处理中的事项,不纳入部门考核"],
            strict=False,
        ):
            appeal_exclude(appeal=appeal, by=office, reason=reason)
        supervised = (
            Appeal.objects.filter(supervisions__replied_at__isnull=True, state=AppealState.HANDLING)
            .select_related("lead_department")
            .first()
        )
        if supervised is not None and supervised.lead_department is not None:
            supervision = supervised.supervisions.filter(replied_at__isnull=True).first()
            if supervision is not None:
                supervision_reply(
                    supervision=supervision,
                    by=_department_staff(supervised.lead_department),
                    reply="已召开专题协调会,明确责任人,三个工作日内办结。",
                )
