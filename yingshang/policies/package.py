"""我的政策礼包 for one enterprise (every published policy evaluated on its facts), the facts it supplies itself
(企业自报), subscriptions to new matches and 企业点单 reminders."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingshang.accounts.models import Department
from yingshang.core.audit import Action, audit_record
from yingshang.core.errors import ApplicationError, PermissionDeniedError
from yingshang.core.prepared import Prepared
from yingshang.enterprises.models import Enterprise, EnterpriseFact
from yingshang.enterprises.services import EnterpriseInput, enterprise_save

from . import engine
from .applications import window_state
from .models import (
    Application,
    ApplicationStatus,
    Policy,
    PolicyInterest,
    PolicyStatus,
    PolicySubscription,
    PolicyVersion,
    Verdict,
)
from .outcomes import (
    Outcome,
    content_screen,
    evaluate_content,
    jsonable,
    missing_variable_keys,
    relations_read,
)

SELF_REPORTED = "企业自报"
# Enterprise columns an enterprise may fill in itself; everything else it supplies is an undated EnterpriseFact.
_COLUMN_FIELDS = frozenset(
    {"registration_date", "registered_capital", "employees", "annual_revenue", "tax_paid", "rd_spend"}
)
_SUPPLIABLE_TYPES = frozenset({"decimal", "integer", "boolean", "date", "text", "choice"})


@dataclass
class PackageItem:
    version: PolicyVersion
    outcome: Outcome
    window: str
    interested: bool = False
    application: Application | None = None


@dataclass
class Package:
    eligible: list[PackageItem] = field(default_factory=list)
    near: list[PackageItem] = field(default_factory=list)
    unknown: list[PackageItem] = field(default_factory=list)
    missing_keys: list[str] = field(default_factory=list)

    @property
    def eligible_total_fen(self) -> int:
        return sum(i.outcome.amount_fen or 0 for i in self.eligible)


_LONG_FIELDS = ("source_text", "review_rules", "materials", "test_cases")
# Published versions are immutable, so each process keeps the ones it has read, by id. Which versions are current is
# asked of the database on every call, and the departments of what is shown are read fresh, so a retirement, a new
# version or a renamed department shows at once. A saved version is dropped from the cache
# (`forget_version`): on SQLite an id can come back after a rolled-back transaction.
_VERSIONS: dict[int, PolicyVersion] = {}
_VERSIONS_LIMIT = 10_000
_CURRENT = Prepared(
    lambda _: (
        Policy.objects.filter(status=PolicyStatus.PUBLISHED, current_version__isnull=False)
        .order_by("current_version_id")
        .values_list("current_version_id")
    )
)


@dataclass(frozen=True)
class Catalogue:
    """The published versions in force on one day, ordered by title, with what every request works out of them
    again otherwise: each version's screen closure and the record relations any of them reads."""

    key: tuple[date, tuple[int, ...]]
    versions: tuple[PolicyVersion, ...]
    screens: tuple[tuple[PolicyVersion, Callable[[Mapping[str, Any], date], bool]], ...]
    relations: frozenset[str]


# The last catalogue, for the same current versions and day: most requests reuse it. Read and replaced as one
# dict item, so a thread never sees it half-changed.
_CATALOGUE: dict[str, Catalogue | None] = {"last": None}


def forget_version(sender: Any, instance: PolicyVersion, **kwargs: Any) -> None:
    _VERSIONS.pop(instance.pk, None)
    _CATALOGUE["last"] = None


def catalogue(today: date) -> Catalogue:
    current = tuple(pk for (pk,) in _CURRENT.rows())
    last = _CATALOGUE["last"]
    if last is not None and last.key == (today, current):
        return last
    stale = [pk for pk in current if pk not in _VERSIONS]
    if stale:
        if len(_VERSIONS) + len(stale) > _VERSIONS_LIMIT:
            _VERSIONS.clear()
            stale = list(current)
        for version in PolicyVersion.objects.filter(pk__in=stale).defer(*_LONG_FIELDS):
            _VERSIONS[version.pk] = version
    in_force = sorted(
        (v for v in (_VERSIONS[pk] for pk in current if pk in _VERSIONS) if not (v.valid_to and v.valid_to < today)),
        key=lambda v: (v.title, v.pk),
    )
    built = Catalogue(
        key=(today, current),
        versions=tuple(in_force),
        screens=tuple((v, content_screen(v)) for v in in_force),
        relations=frozenset().union(*(relations_read(v) for v in in_force)),
    )
    _CATALOGUE["last"] = built
    return built


def published_versions(today: date, *, departments: bool = True) -> list[PolicyVersion]:
    """Current versions of published policies still in force, ordered by title, with their reviewing departments
    (as named now) unless `departments=False` (then attach them to what is shown with `with_departments`)."""
    versions = list(catalogue(today).versions)
    return with_departments(versions) if departments else versions


# The 政策礼包 reads these on every request (compiled once, `core.prepared`).
_DEPARTMENTS = Prepared(lambda _: Department.objects.order_by().values_list("id", "name"))
_INTERESTS = Prepared(lambda pk: PolicyInterest.objects.filter(enterprise_id=pk).order_by().values_list("policy_id"))
_APPLICATIONS = Prepared(
    lambda pk: (
        Application.objects.filter(enterprise_id=pk)
        .exclude(status=ApplicationStatus.REJECTED)
        .order_by("submitted_at")
        .values_list("id", "policy_id", "status")
    )
)


def with_departments(versions: list[PolicyVersion]) -> list[PolicyVersion]:
    """Attach the reviewing departments, read now (a renamed department shows at once), to the versions a page
    shows; only their names are read (other fields load on access)."""
    departments = {d.pk: d for d in _DEPARTMENTS.instances(Department, ["id", "name"])}
    for version in versions:
        version.reviewing_department = departments[version.reviewing_department_id]
    return versions


def enterprise_outcomes(enterprise: Enterprise, *, today: date) -> list[tuple[PolicyVersion, Outcome]]:
    """One enterprise against every published policy in force: the verdict of each, and the full outcome (amount,
    explanation tree, missing facts, near-miss sentences) of the ones worth showing (eligible, unknown, near miss)."""
    known = catalogue(today)
    facts = engine.facts_for_enterprise(enterprise, decision_date=today, relations=known.relations)
    return [
        (version, evaluate_content(version, facts, decision_date=today))
        for version, screen in known.screens
        if screen(facts, today)
    ]


def package_for(enterprise: Enterprise, *, today: date | None = None) -> Package:
    today = today or timezone.localdate()
    interests = {policy_id for (policy_id,) in _INTERESTS.rows(enterprise.pk)}
    applications = {
        a.policy_id: a for a in _APPLICATIONS.instances(Application, ["id", "policy_id", "status"], enterprise.pk)
    }
    package = Package()
    missing_labels: list[str] = []
    for version, outcome in enterprise_outcomes(enterprise, today=today):
        item = PackageItem(
            version=version,
            outcome=outcome,
            window=window_state(version, today),
            interested=version.policy_id in interests,
            application=applications.get(version.policy_id),
        )
        if outcome.verdict == Verdict.ELIGIBLE:
            package.eligible.append(item)
        elif outcome.verdict == Verdict.UNKNOWN:
            package.unknown.append(item)
            missing_labels += outcome.missing
        else:  # FALSE only because of numeric conditions each within 30% of its threshold
            package.near.append(item)
    with_departments([i.version for i in (*package.eligible, *package.near, *package.unknown)])
    package.eligible.sort(key=lambda i: -(i.outcome.amount_fen or 0))
    package.missing_keys = [k for k in missing_variable_keys(missing_labels) if _suppliable(k)]
    return package


def _suppliable(key: str) -> bool:
    variable = engine.REGISTRY.variables.get(key)
    return variable is not None and variable.type in _SUPPLIABLE_TYPES


def suppliable_variables(keys: list[str]) -> list[Any]:
    return [engine.REGISTRY.variables[k] for k in keys if _suppliable(k)]


@transaction.atomic
def facts_supply(*, enterprise: Enterprise, by: Any, values: dict[str, str]) -> list[str]:
    """Store facts an enterprise user typed in (source 企业自报). Returns the labels saved.

    Values are checked by the engine's own input validation, so a fact saved here is one the rules can read.
    """
    if not (by.is_enterprise_user and by.enterprise_id == enterprise.pk):
        raise PermissionDeniedError("只能补充本企业的信息")
    typed = {k: v.strip() for k, v in values.items() if isinstance(v, str) and v.strip()}
    if not typed:
        raise ApplicationError("请至少填写一项信息")
    unknown = [k for k in typed if not _suppliable(k)]
    if unknown:
        raise ApplicationError(f"不能在此补充的信息:{'、'.join(unknown)}")
    facts = engine.facts_from_input(typed)
    today = timezone.localdate()
    column_values = {k: facts[k] for k in typed if k in _COLUMN_FIELDS and k in facts}
    if column_values:
        enterprise_save(
            data=EnterpriseInput(uscc=enterprise.uscc, **column_values),
            source=SELF_REPORTED,
            as_of=today,
            by=by,
        )
    saved = [engine.REGISTRY.variables[k].label for k in typed]
    for key in typed:
        if key in _COLUMN_FIELDS or key not in facts:
            continue
        EnterpriseFact.objects.update_or_create(
            enterprise=enterprise,
            key=key,
            year=None,
            defaults={"value": jsonable(facts[key]), "source": SELF_REPORTED, "as_of": today, "recorded_by": by},
        )
    if set(typed) - _COLUMN_FIELDS:
        audit_record(
            action=Action.RECORD_UPDATED,
            user=by,
            obj=enterprise,
            detail={"source": SELF_REPORTED, "fields": sorted(set(typed) - _COLUMN_FIELDS)},
        )
    return saved


@transaction.atomic
def subscription_set(*, enterprise: Enterprise, by: Any, sms: bool, on: bool) -> PolicySubscription | None:
    if not (by.is_enterprise_user and by.enterprise_id == enterprise.pk):
        raise PermissionDeniedError("只能为本企业订阅")
    if not on:
        PolicySubscription.objects.filter(enterprise=enterprise).delete()
        return None
    subscription, _ = PolicySubscription.objects.update_or_create(
        enterprise=enterprise, defaults={"sms": sms, "subscribed_by": by}
    )
    return subscription


def subscription_of(enterprise: Enterprise) -> PolicySubscription | None:
    return PolicySubscription.objects.filter(enterprise=enterprise).first()


@transaction.atomic
def interest_toggle(*, enterprise: Enterprise, policy: Policy, by: Any) -> bool:
    """企业点单: pick a policy (True) or drop it (False). Reminded once when its application window opens."""
    if not (by.is_enterprise_user and by.enterprise_id == enterprise.pk):
        raise PermissionDeniedError("只能为本企业点单")
    if policy.status != PolicyStatus.PUBLISHED:
        raise ApplicationError("该政策未发布或已废止")
    existing = PolicyInterest.objects.filter(enterprise=enterprise, policy=policy).first()
    if existing is not None:
        existing.delete()
        return False
    PolicyInterest.objects.create(enterprise=enterprise, policy=policy, user=by)
    return True


def interests_remind(*, today: date | None = None) -> int:
    """Remind each 点单 whose policy's application window has opened; once per 点单 (safe to run repeatedly)."""
    from yingshang.core.notifications import notify

    today = today or timezone.localdate()
    reminded = 0
    pending = PolicyInterest.objects.filter(
        reminded_at__isnull=True, policy__status=PolicyStatus.PUBLISHED, user__is_active=True
    ).select_related("policy__current_version", "user")
    for interest in pending:
        version = interest.policy.current_version
        if version is None or window_state(version, today) != "open":
            continue
        with transaction.atomic():
            claimed = PolicyInterest.objects.filter(pk=interest.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not claimed:
                continue
            end = f",截止 {version.window_end:%Y-%m-%d}" if version.window_end else ""
            notify(
                recipients=[interest.user],
                title=f"您点单的政策已开始申报:{version.title}"[:200],
                body=f"申报已开始{end},请及时准备材料提交申报。",
                link=reverse("policies:package"),
                category="policy_interest",
                sms=True,
            )
        reminded += 1
    return reminded
