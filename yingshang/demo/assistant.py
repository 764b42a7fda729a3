"""Demo content of 智能问答: the fields of the knowledge base and the seed reports loaded as uploaded documents.

Idempotent: collections are keyed by code, documents by their file's SHA-256, FAQ by normalised question."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from yingshang.accounts.models import Department, User
from yingshang.assistant import index, services
from yingshang.assistant.models import Collection, DocumentStatus, FaqEntry, KnowledgeChunk, KnowledgeDocument
from yingshang.assistant.sources import all_sources
from yingshang.assistant.textproc import normalize_question

DOCS_DIR = Path(__file__).resolve().parent / "assistant_docs"

# (code, name, description, responsible department code)
COLLECTIONS = [
    ("huiqi", "惠企政策", "惠企政策、资金奖补、融资支持", "YSB"),
    ("renshe", "人社", "就业创业、社会保险、人才", "RSJ"),
    ("zhengwu", "政务服务", "审批服务、一件事一次办、帮办代办", "XZSP"),
    ("zhengfa", "政法", "法治护航、涉企执法", "DB"),
    ("shequ", "社区", "社区服务", "DB"),
    ("minzheng", "民政", "民政服务", "DB"),
    ("shichang", "市场监管", "登记注册、信用监管、知识产权", "SCJG"),
]

# (file, collection code, title, issuer, issued on) — titles and issuers as the seed reports state them; no 文号 is
# given because these are news reports, not numbered documents.
DOCUMENTS = [
    (
        "dongbao_press_conference_2025.txt",
        "huiqi",
        "荆门市新闻发布到基层·东宝区优化营商环境新闻发布会",
        "云上荆门",
        None,
    ),
    (
        "changde_edz_2022_review.txt",
        "zhengwu",
        "完善服务体系 优化营商环境——常德经开区2022年优化营商环境综述",
        "常德经开区",
        None,
    ),
    (
        "yichun_edz_2024_press.txt",
        "zhengwu",
        "宜春经开区:牢牢把握“五个坚持” 全面推动营商环境优化升级",
        "宜春经开区",
        None,
    ),
    (
        "xiangtan_2020_review.txt",
        "zhengwu",
        "齐心培沃土 合力赢未来——看湘潭市2020年优化营商环境工作足迹",
        "红网湘潭站",
        date(2021, 1, 1),
    ),
    (
        "jingmen_action_plan.txt",
        "huiqi",
        "聚焦产业转型升级示范区建设持续改进提升营商环境行动方案",
        "荆门市人民政府办公室",
        None,
    ),
]

FAQS = [
    (
        "智能问答的答案从哪里来?",
        "智能问答只依据区里发布的政策文件、办事指南和知识库文档作答,每条回答都注明出处(文件、文号、条款)。"
        "找不到依据时会如实告知“未找到政策依据”,并提供责任部门电话和企业诉求入口。",
    ),
]


def load() -> str:
    owner = User.objects.filter(username="yingshangban").first()
    if owner is None:
        return "智能问答:缺少营商办协调员账号,未载入"
    created_collections = 0
    for sort_order, (code, name, description, department_code) in enumerate(COLLECTIONS):
        _, created = Collection.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "department": Department.objects.filter(code=department_code).first(),
                "sort_order": sort_order,
            },
        )
        created_collections += created
    loaded = 0
    for file_name, collection_code, title, issuer, issued_on in DOCUMENTS:
        data = (DOCS_DIR / file_name).read_bytes()
        document = KnowledgeDocument.objects.filter(file_sha256=hashlib.sha256(data).hexdigest()).first()
        if document is None:
            document = services.document_upload(
                collection=Collection.objects.get(code=collection_code),
                title=title,
                file_name=file_name,
                data=data,
                by=owner,
                issuer=issuer,
                issued_on=issued_on,
            )
            loaded += 1
        if document.status != DocumentStatus.INDEXED:
            # The demo must answer at once, without waiting for the task worker.
            services.document_index(document=document)
    for question, answer in FAQS:
        if not FaqEntry.objects.filter(normalized=normalize_question(question)).exists():
            services.faq_save(faq=None, question=question, answer=answer, collection=None, is_active=True, by=owner)
    # The service guides (loaded before this module) join the index; skipped when every one is already in it.
    indexed = set(KnowledgeChunk.objects.values_list("source", "source_key").distinct())
    if any((doc.source, doc.key) not in indexed for source in all_sources() for doc in source.documents()):
        index.rebuild_all()
    chunks = KnowledgeChunk.objects.count()
    return f"智能问答:{Collection.objects.count()} 个领域,新载入 {loaded} 份文档,索引共 {chunks} 个条款片段"
