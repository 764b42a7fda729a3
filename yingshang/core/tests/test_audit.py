"""The audit log is append-only and hash-chained: any edit, removal or truncation is found by verification."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from yingshang.accounts.roles import Role
from yingshang.core import audit
from yingshang.core.audit import (
    GENESIS_HASH,
    Action,
    VerifyProblem,
    audit_prune,
    audit_record,
    compute_hash,
    head_mac,
    verify_chain,
)
from yingshang.core.checks import audit_hmac_key_check
from yingshang.core.errors import ApplicationError
from yingshang.core.models import AuditChainHead, AuditLog

from .tampering import tamper_sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_rows(make_user):
    coordinator = make_user(Role.COORDINATOR, username="xietiao")
    return [
        audit_record(action=Action.LOGIN, user=coordinator, ip="10.0.0.8"),
        audit_record(action=Action.RECORD_UPDATED, user=coordinator, detail={"字段": "联系人", "before": "张三"}),
        audit_record(action=Action.LOGOUT, user=coordinator),
    ]


def first_problem() -> VerifyProblem:
    report = verify_chain()
    assert report.problem is not None, "the chain verified"
    return report.problem


def run_audit_verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


# ---- the chain -------------------------------------------------------------------------------------------------


def test_rows_are_numbered_without_gaps_and_linked_by_hash(three_rows):
    first, second, third = three_rows
    assert [r.seq for r in three_rows] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.row_hash
    assert third.prev_hash == second.row_hash
    assert all(compute_hash(r) == r.row_hash for r in AuditLog.objects.all())
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, third.row_hash)


def test_an_intact_chain_verifies(three_rows):
    report = verify_chain()
    assert report.ok
    assert report.rows_checked == 3


def test_the_verify_command_reports_an_intact_log(three_rows):
    out = run_audit_verify()
    assert "已校验 3 条审计日志" in out
    assert "审计日志完整" in out


def test_an_empty_log_verifies(db):
    assert verify_chain().ok
    assert "审计日志完整" in run_audit_verify()


def test_rows_appended_while_verifying_are_not_reported_as_a_problem(three_rows, monkeypatch):
    walk = audit._iter_rows

    def walk_while_someone_logs_in(*args: Any, **kwargs: Any) -> Iterator[AuditLog]:
        audit_record(action=Action.LOGIN, username="late")
        yield from walk(*args, **kwargs)

    monkeypatch.setattr(audit, "_iter_rows", walk_while_someone_logs_in)
    report = verify_chain()
    assert report.ok, report.problem
    assert report.rows_checked == 3


# ---- tampering -------------------------------------------------------------------------------------------------


def test_editing_a_row_in_the_database_is_found_and_named(three_rows):
    tamper_sql("UPDATE core_auditlog SET username = %s WHERE seq = %s", ["someone_else", 2])

    problem = first_problem()

    assert problem.seq == 2
    assert "篡改" in problem.reason
    with pytest.raises(CommandError, match="第 2 条") as excinfo:
        run_audit_verify()
    assert excinfo.value.returncode == 1


def test_editing_the_detail_of_a_row_is_found(three_rows):
    tamper_sql("UPDATE core_auditlog SET detail = %s WHERE seq = %s", ['{"字段": "联系人", "before": "李四"}', 2])
    assert first_problem().seq == 2


def test_rehashing_an_edited_row_is_found_at_the_next_row(three_rows):
    row = AuditLog.objects.get(seq=2)
    row.username = "someone_else"
    tamper_sql("UPDATE core_auditlog SET username = %s, row_hash = %s WHERE seq = 2", [row.username, compute_hash(row)])

    problem = first_problem()

    assert problem.seq == 3
    assert "第 2 条" in problem.reason


def test_deleting_a_middle_row_is_found_as_missing(three_rows):
    tamper_sql("DELETE FROM core_auditlog WHERE seq = 2")

    problem = first_problem()

    assert problem.seq == 2
    assert "缺失第 2 条" in problem.reason
    with pytest.raises(CommandError, match="缺失第 2 条"):
        run_audit_verify()


def test_deleting_the_last_row_is_found(three_rows):
    tamper_sql("DELETE FROM core_auditlog WHERE seq = 3")

    problem = first_problem()

    assert problem.seq == 3
    assert "末尾被删除" in problem.reason


def test_deleting_the_first_row_is_found(three_rows):
    tamper_sql("DELETE FROM core_auditlog WHERE seq = 1")
    assert first_problem().seq == 1


# ---- forging without the key: what someone with only database access could try -------------------------------

WRONG_KEY = b"a-key-the-forger-made-up-0123456789abcdef"


def sha256_hex(row: AuditLog) -> str:
    return hashlib.sha256(audit._canonical(row)).hexdigest()


def forge_head(*, last_seq: int, last_hash: str, mac: str | None = None) -> None:
    head = AuditChainHead.objects.get()
    head.last_seq, head.last_hash = last_seq, last_hash
    head.mac = mac if mac is not None else head_mac(head, key=WRONG_KEY)
    tamper_sql(
        "UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s, mac = %s WHERE id = 1",
        [head.last_seq, head.last_hash, head.mac],
    )


def test_row_hashes_are_keyed_not_plain_sha256(three_rows):
    row = AuditLog.objects.get(seq=1)
    assert row.row_hash != sha256_hex(row)


def test_the_chain_does_not_verify_under_another_key(three_rows, settings):
    settings.AUDIT_HMAC_KEY = WRONG_KEY.decode()
    assert not verify_chain().ok


def test_deleting_the_last_row_and_moving_the_head_back_is_found(three_rows):
    second = AuditLog.objects.get(seq=2)
    tamper_sql("DELETE FROM core_auditlog WHERE seq = 3")
    # The head now points at row 2 with row 2's real hash; only the head's seal could give this away.
    forge_head(last_seq=2, last_hash=second.row_hash, mac=sha256_hex(second))

    problem = first_problem()

    assert "链头" in problem.reason
    with pytest.raises(CommandError, match="链头"):
        run_audit_verify()


def test_deleting_the_last_row_and_resealing_the_head_with_a_wrong_key_is_found(three_rows):
    second = AuditLog.objects.get(seq=2)
    tamper_sql("DELETE FROM core_auditlog WHERE seq = 3")
    forge_head(last_seq=2, last_hash=second.row_hash)
    assert "链头" in first_problem().reason


def test_rewriting_the_last_row_and_the_head_with_plain_sha256_is_found(three_rows):
    last = AuditLog.objects.get(seq=3)
    last.username = "nobody"
    forged_hash = sha256_hex(last)
    tamper_sql("UPDATE core_auditlog SET username = %s, row_hash = %s WHERE seq = 3", [last.username, forged_hash])
    forge_head(last_seq=3, last_hash=forged_hash)
    assert not verify_chain().ok


def test_rewriting_the_last_row_and_the_head_with_a_wrong_key_is_found(three_rows):
    last = AuditLog.objects.get(seq=3)
    last.username = "nobody"
    forged_hash = compute_hash(last, key=WRONG_KEY)
    tamper_sql("UPDATE core_auditlog SET username = %s, row_hash = %s WHERE seq = 3", [last.username, forged_hash])
    forge_head(last_seq=3, last_hash=forged_hash)
    assert not verify_chain().ok


def test_deleting_the_first_rows_and_moving_the_anchor_is_found(three_rows):
    first = AuditLog.objects.get(seq=1)
    tamper_sql("DELETE FROM core_auditlog WHERE seq = 1")
    tamper_sql(
        "UPDATE core_auditchainhead SET anchor_seq = 1, anchor_hash = %s, mac = %s WHERE id = 1",
        [first.row_hash, sha256_hex(first)],
    )
    assert "链头" in first_problem().reason


def test_without_a_key_nothing_is_written(db, settings):
    settings.AUDIT_HMAC_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="AUDIT_HMAC_KEY"):
        audit_record(action=Action.LOGIN, username="x")
    assert not AuditLog.objects.exists()


def test_a_missing_or_short_key_fails_the_system_check(settings):
    settings.AUDIT_HMAC_KEY = "short"
    [error] = audit_hmac_key_check()
    assert error.id == "yingshang.E001"
    settings.AUDIT_HMAC_KEY = "k" * 32
    assert audit_hmac_key_check() == []


# ---- the database refuses changes (PostgreSQL trigger) -------------------------------------------------------

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


@needs_postgresql
@pytest.mark.parametrize(
    "sql", ["UPDATE core_auditlog SET username = 'x' WHERE seq = 2", "DELETE FROM core_auditlog WHERE seq = 3"]
)
def test_the_database_refuses_to_update_or_delete_audit_rows(three_rows, sql):
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditLog.objects.count() == 3
    assert verify_chain().ok


@needs_postgresql
def test_pruning_leaves_the_trigger_closed_behind_it(record_at):
    now = timezone.now()
    for days in (400, 1):
        record_at(now - timedelta(days=days))
    assert audit_prune(before=now) == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog")
    assert AuditLog.objects.count() == 2


def test_the_model_refuses_to_change_a_saved_row(three_rows):
    row = AuditLog.objects.get(seq=1)
    row.username = "someone_else"
    with pytest.raises(RuntimeError, match="只能追加"):
        row.save()


def test_the_model_refuses_to_delete_a_row(three_rows):
    with pytest.raises(RuntimeError, match="不能删除"):
        AuditLog.objects.get(seq=1).delete()
    assert AuditLog.objects.count() == 3


def test_deleting_an_account_leaves_its_audit_rows_and_the_chain_intact(three_rows):
    user = three_rows[0].user
    user.delete()
    assert AuditLog.objects.filter(username="xietiao").count() == 3
    assert verify_chain().ok


# ---- pruning ---------------------------------------------------------------------------------------------------


def test_pruning_never_removes_rows_younger_than_the_minimum_retention(record_at, settings):
    now = timezone.now()
    for days in (400, 300, 100, 1):
        record_at(now - timedelta(days=days))

    removed = audit_prune(before=now)  # asks for everything

    assert settings.AUDIT_MIN_RETENTION_DAYS == 180
    assert removed == 2
    assert list(AuditLog.objects.order_by("seq").values_list("seq", flat=True)) == [3, 4, 5]
    assert AuditLog.objects.get(seq=5).action == Action.AUDIT_PRUNED
    assert AuditLog.objects.get(seq=5).detail["through_seq"] == 2


def test_the_chain_still_verifies_after_a_prune(record_at):
    now = timezone.now()
    for days in (400, 300, 100, 1):
        record_at(now - timedelta(days=days))
    audit_prune(before=now)
    audit_record(action=Action.LOGIN)

    report = verify_chain()

    assert report.ok
    assert report.rows_checked == 4
    head = AuditChainHead.objects.get()
    assert head.anchor_seq == 2


def test_pruning_honours_an_earlier_date_than_the_retention_limit(record_at):
    now = timezone.now()
    for days in (400, 300, 200):
        record_at(now - timedelta(days=days))
    assert audit_prune(before=now - timedelta(days=350)) == 1
    assert AuditLog.objects.order_by("seq").values_list("seq", flat=True)[0] == 2


def test_pruning_stops_at_the_first_young_row_even_if_a_later_row_looks_older(record_at):
    now = timezone.now()
    record_at(now - timedelta(days=400))
    record_at(now - timedelta(days=10))
    record_at(now - timedelta(days=390))  # clock set back on some server

    assert audit_prune(before=now) == 1
    assert set(AuditLog.objects.values_list("seq", flat=True)) == {2, 3, 4}
    assert verify_chain().ok


def test_pruning_twice_keeps_the_chain_verifiable(record_at):
    now = timezone.now()
    for days in (500, 400, 300, 1):
        record_at(now - timedelta(days=days))
    audit_prune(before=now - timedelta(days=450))
    audit_prune(before=now)
    assert verify_chain().ok
    assert AuditChainHead.objects.get().anchor_seq == 3


def test_a_broken_chain_is_not_pruned(record_at):
    now = timezone.now()
    for days in (400, 300):
        record_at(now - timedelta(days=days))
    tamper_sql("UPDATE core_auditlog SET username = 'x' WHERE seq = 1")

    with pytest.raises(ApplicationError, match="拒绝截除"):
        audit_prune(before=now)
    assert AuditLog.objects.count() == 2


def test_the_prune_command_clamps_to_the_retention_and_verifies_afterwards(record_at):
    now = timezone.now()
    for days in (400, 100):
        record_at(now - timedelta(days=days))
    out = StringIO()

    call_command("audit_prune", "--before", (now + timedelta(days=1)).date().isoformat(), stdout=out)

    text = out.getvalue()
    assert "至少保留 180 天" in text
    assert "已截除 1 条审计日志" in text
    assert "审计日志完整" in text
    assert AuditLog.objects.get(action=Action.AUDIT_PRUNED).username == "manage.py audit_prune"
    assert "审计日志完整" in run_audit_verify()


def test_the_prune_command_dry_run_deletes_nothing(record_at):
    now = timezone.now()
    record_at(now - timedelta(days=400))
    out = StringIO()
    call_command("audit_prune", "--before", now.date().isoformat(), "--dry-run", stdout=out)
    assert "将截除 1 条" in out.getvalue()
    assert AuditLog.objects.count() == 1


def test_the_prune_command_rejects_a_malformed_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit_prune", "--before", "2026/01/01")


# ---- concurrency (PostgreSQL: SQLite serialises writers anyway) ---------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks on the chain head need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_produce_one_gap_free_chain():
    threads_count, rows_each = 8, 25
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            start.wait()
            for n in range(rows_each):
                audit_record(action=Action.RECORD_CREATED, detail={"thread": index, "n": n})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    total = threads_count * rows_each
    assert list(AuditLog.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    report = verify_chain()
    assert report.ok, report.problem
    assert report.rows_checked == total
