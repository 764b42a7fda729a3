from django.apps import AppConfig

from yingshang.core.navigation import MenuItem


class AssistantConfig(AppConfig):
    name = "yingshang.assistant"
    label = "assistant"
    verbose_name = "智能问答"
    # The question page is public (the portal's 7×24 robot); signed-in users reach it from the menu too.
    menu_items: list = [
        MenuItem("智能问答", "assistant:ask", order=500),
        MenuItem("知识库文档", "assistant:documents", cap="manage_knowledge", order=510),
        MenuItem("常见问题", "assistant:faqs", cap="manage_knowledge", order=520),
        MenuItem("问答记录", "assistant:questions", cap="manage_knowledge", order=530),
        MenuItem("知识库领域", "assistant:collections", cap="manage_knowledge", order=540),
        MenuItem("词典与同义词", "assistant:vocabulary", cap="manage_knowledge", order=550),
    ]
