"""A visitor asks the Q&A assistant in the browser: a question the knowledge base answers gets the amount with the
clause it comes from; a question no document covers gets the honest refusal with a pre-filled appeal link."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from yingshang.accounts.models import Department
from yingshang.accounts.roles import Role
from yingshang.accounts.tests.factories import UserFactory
from yingshang.assistant import services
from yingshang.assistant.models import Collection, DocumentStatus, KnowledgeDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = (
    Path(__file__).resolve().parents[2] / "yingshang" / "demo" / "assistant_docs" / "dongbao_press_conference_2025.txt"
)


@pytest.fixture
def knowledge_base(db):
    department = Department.objects.create(
        name="区人力资源和社会保障局", code="RSJ-B", contact_person="周科长", contact_phone="13872900007"
    )
    collection = Collection.objects.create(code="huiqi", name="惠企政策", department=department)
    owner = UserFactory.create(role=Role.COORDINATOR)
    services.document_upload(
        collection=collection,
        title="荆门市新闻发布到基层·东宝区优化营商环境新闻发布会",
        file_name=SEED.name,
        data=SEED.read_bytes(),
        by=owner,
        issuer="云上荆门",
    )
    # Outside a test transaction the upload commits, and the immediate task backend has indexed it.
    assert KnowledgeDocument.objects.get().status == DocumentStatus.INDEXED


def test_a_visitor_gets_the_amount_with_its_clause_and_an_honest_refusal(page, knowledge_base):
    page.goto("/assistant/")
    page.fill("input[name=q]", "个人创业担保贷款最高能贷多少?")
    page.click("[data-testid=ask-submit]")

    key = page.locator("[data-testid=key-sentence]").first
    expect(key).to_contain_text("个人创业者最高可申请30万元贷款")
    clause = page.locator("[data-testid=answer-clause]").first
    expect(clause).to_contain_text("在创新创业领域,主要是区人社局牵头负责的创业担保贷款")
    expect(clause).to_contain_text("荆门市新闻发布到基层·东宝区优化营商环境新闻发布会")
    card = page.locator("[data-testid=citation-card]").first
    expect(card).to_contain_text("条款:")
    # The visitor rates the answer; it is kept for staff review.
    page.click("[data-testid=thumbs-up]")
    expect(page.locator("[data-testid=feedback-done]")).to_contain_text("有帮助")

    # The citation opens the document at the quoted passage.
    card.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/assistant/doc/\d+/#c\d+$"))
    expect(page.locator("section:target")).to_contain_text("个人创业者最高可申请30万元贷款")

    page.goto("/assistant/")
    page.fill("input[name=q]", "办理护照需要带什么材料?")
    page.click("[data-testid=ask-submit]")
    expect(page.locator("[data-testid=refusal]")).to_contain_text("未找到政策依据")
    expect(page.locator("[data-testid=answer]")).to_contain_text("13872900007")
    appeal = page.locator("[data-testid=appeal-link]")
    href = appeal.get_attribute("href") or ""
    parts = urlsplit(href)
    assert parts.path == "/appeals/new/"
    assert parse_qs(parts.query)["title"] == ["办理护照需要带什么材料?"]
    expect(page.locator("[data-testid=key-sentence]")).to_have_count(0)
