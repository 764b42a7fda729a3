"""Published policies feed the Q&A assistant (issue #6): publishing makes a policy answerable, retiring removes it."""

from __future__ import annotations

import pytest

from yingshang.accounts.roles import Role
from yingshang.assistant import index
from yingshang.assistant.answers import answer_question
from yingshang.assistant.models import KnowledgeChunk
from yingshang.policies.selectors import policies_for_knowledge_base
from yingshang.policies.services import PolicyInput, policy_publish, policy_retire, policy_update

from .factories import policy_draft

pytestmark = pytest.mark.django_db

SOURCE_TEXT = """东宝区智能化技术改造设备补助办法
第一条 为推动制造业智能化改造,制定本办法。
第二条 企业购置智能化生产设备,按设备购置额的百分之十给予补助,单个企业最高补助四百万元。
第三条 申报企业应在东宝区登记注册,纳税信用等级为B级以上。
"""
QUESTION = "智能化生产设备补助比例是多少"


@pytest.fixture(autouse=True)
def _fresh_index():
    index.forget_cached_index()
    yield
    index.forget_cached_index()


@pytest.fixture
def staff(make_user):
    return make_user(Role.DEPARTMENT_STAFF)


def _policy(staff, department):
    return policy_draft(
        by=staff,
        department=department,
        title="智能化技术改造设备补助",
        doc_number="东经信发〔2025〕8号",
        issuing_departments="东宝区经济和信息化局",
        source_text=SOURCE_TEXT,
    )


def test_a_published_policy_is_answerable_and_a_retired_one_disappears(
    staff, department_jingxin, django_capture_on_commit_callbacks
):
    policy = _policy(staff, department_jingxin)
    assert answer_question(QUESTION).mode == "refused"  # a draft is not in the knowledge base

    with django_capture_on_commit_callbacks(execute=True):
        policy_publish(policy=policy, by=staff)
    result = answer_question(QUESTION)
    assert result.mode != "refused"
    citation = result.citations[0]
    assert citation.title == "智能化技术改造设备补助"
    assert "百分之十" in citation.key_sentence
    assert citation.url.startswith(f"/policies/library/{policy.pk}/")

    with django_capture_on_commit_callbacks(execute=True):
        policy_retire(policy=policy, by=staff, reason="政策到期")
    assert not KnowledgeChunk.objects.filter(source="policy", source_key=str(policy.pk)).exists()
    assert answer_question(QUESTION).mode == "refused"


def test_the_knowledge_base_reads_the_published_version_not_the_draft(staff, department_jingxin):
    policy = _policy(staff, department_jingxin)
    assert list(policies_for_knowledge_base()) == []
    version, _run = policy_publish(policy=policy, by=staff)
    data = PolicyInput.of(policy)
    data.title = "草稿里改的名字"
    policy_update(policy=policy, data=data, by=staff)

    (item,) = policies_for_knowledge_base()
    assert item.key == str(policy.pk)
    assert item.title == "智能化技术改造设备补助"
    assert item.doc_number == "东经信发〔2025〕8号"
    assert item.issuer == "东宝区经济和信息化局"
    assert item.text == SOURCE_TEXT.strip()
    assert item.updated_at == version.published_at
    # the structured conditions carry their clause; materials are listed with whether an original is needed
    assert item.sections == [("申报条件 第二条", "从业人数 ≥ 100 人"), ("申报材料", "申请表(需提供原件):加盖公章")]


def test_the_knowledge_base_listing_does_not_query_per_policy(staff, department_jingxin, django_assert_num_queries):
    for n in range(3):
        policy_publish(policy=policy_draft(by=staff, department=department_jingxin, title=f"政策{n}"), by=staff)
    with django_assert_num_queries(1):
        items = list(policies_for_knowledge_base())
    assert len(items) == 3
