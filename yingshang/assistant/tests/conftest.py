"""Fixtures of the assistant tests: a small knowledge base built through the real upload and indexing services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yingshang.accounts.roles import Role
from yingshang.assistant import index, services
from yingshang.assistant.models import Collection, KnowledgeDocument

SEED_DIR = Path(__file__).resolve().parents[2] / "demo" / "assistant_docs"

# A regulation-shaped document: chapters and articles, as most policy texts are written.
LOAN_RULES = """东宝区创业担保贷款实施细则
第一章 总则
第一条 为支持创业带动就业,制定本细则。
第二章 贷款额度与贴息
第二条 个人创业者最高可申请30万元创业担保贷款,贷款期限最长不超过3年。
第三条 小微企业最高可申请500万元创业担保贷款,财政按实际利率的50%给予贴息。
第四条 申请人应在东宝区登记注册,且无不良信用记录。
第三章 附则
第五条 本细则自2025年1月1日起施行,有效期至2027年12月31日。
"""


@pytest.fixture(autouse=True)
def _fresh_index() -> Any:
    index.forget_cached_index()
    yield
    index.forget_cached_index()


@pytest.fixture
def coordinator(make_user: Any) -> Any:
    return make_user(Role.COORDINATOR, username="kb_coordinator")


@pytest.fixture
def collection_renshe(db: Any, department_jingxin: Any) -> Collection:
    department_jingxin.contact_person = "周科长"
    department_jingxin.contact_phone = "07242345678"
    department_jingxin.save()
    return Collection.objects.create(code="renshe", name="人社", department=department_jingxin)


@pytest.fixture
def loan_rules(
    coordinator: Any, collection_renshe: Collection, django_capture_on_commit_callbacks: Any
) -> KnowledgeDocument:
    """Uploaded as staff would; the immediate task backend indexes it on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_upload(
            collection=collection_renshe,
            title="东宝区创业担保贷款实施细则",
            file_name="loan.txt",
            data=LOAN_RULES.encode(),
            by=coordinator,
            doc_number="东人社发〔2025〕3号",
            issuer="东宝区人力资源和社会保障局",
        )
    document.refresh_from_db()
    return document


@pytest.fixture
def seed_library(
    coordinator: Any, collection_renshe: Collection, django_capture_on_commit_callbacks: Any
) -> list[KnowledgeDocument]:
    documents = []
    with django_capture_on_commit_callbacks(execute=True):
        for path in sorted(SEED_DIR.glob("*.txt")):
            doc = services.document_upload(
                collection=collection_renshe,
                title=path.stem,
                file_name=path.name,
                data=path.read_bytes(),
                by=coordinator,
            )
            documents.append(doc)
    for doc in documents:
        doc.refresh_from_db()
    return documents
