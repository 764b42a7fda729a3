"""Forms of 智能问答. Validation that matters (file kinds, duplicates, dates) lives in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from yingshang.accounts.models import Department
from yingshang.core.form_styles import StyledForm

from .models import Collection
from .parsing import MAX_UPLOAD_BYTES

MAX_QUESTION_CHARS = 300


class AskForm(StyledForm):
    q = forms.CharField(
        label="您的问题",
        max_length=MAX_QUESTION_CHARS,
        error_messages={"required": "请输入问题", "max_length": f"问题请控制在 {MAX_QUESTION_CHARS} 字以内"},
        widget=forms.TextInput(attrs={"placeholder": "例如:个人创业担保贷款最高能贷多少?", "autocomplete": "off"}),
    )

    def clean_q(self) -> str:
        value = " ".join(str(self.cleaned_data["q"]).split())
        if len(value) < 2:
            raise forms.ValidationError("问题太短,请说得具体一些")
        return value


class _DocumentMetaForm(StyledForm):
    collection = forms.ModelChoiceField(
        label="领域", queryset=Collection.objects.all(), error_messages={"required": "请选择领域"}
    )
    title = forms.CharField(label="标题", max_length=200, error_messages={"required": "请填写文档标题"})
    doc_number = forms.CharField(label="文号", max_length=100, required=False, help_text="如:东政办发〔2025〕12号")
    issuer = forms.CharField(label="发文机关", max_length=100, required=False)
    issued_on = forms.DateField(
        label="发布日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为 年-月-日"},
    )
    valid_until = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空表示长期有效",
        error_messages={"invalid": "日期格式应为 年-月-日"},
    )
    source_url = forms.URLField(
        label="原文链接", required=False, assume_scheme="https", error_messages={"invalid": "请输入完整的网址"}
    )


class DocumentUploadForm(_DocumentMetaForm):
    file = forms.FileField(
        label="文件", help_text="PDF、DOCX、TXT 或 HTML,20 MB 以内", error_messages={"required": "请选择要上传的文件"}
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Before the view reads it into memory (the service checks the bytes again).
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        return upload


class DocumentEditForm(_DocumentMetaForm):
    pass


class CollectionForm(StyledForm):
    code = forms.SlugField(label="编码", max_length=32, error_messages={"invalid": "编码只能包含字母、数字、- 和 _"})
    name = forms.CharField(label="名称", max_length=50)
    description = forms.CharField(label="说明", max_length=200, required=False)
    department = forms.ModelChoiceField(
        label="责任部门",
        queryset=Department.objects.filter(is_active=True),
        required=False,
        help_text="未找到答案时,提示群众联系该部门",
    )


class TermForm(StyledForm):
    word = forms.CharField(label="词语", max_length=50)
    note = forms.CharField(label="说明", max_length=100, required=False)


class SynonymForm(StyledForm):
    words = forms.CharField(label="同义词组", max_length=300, help_text="用 / 分隔,如:贴息/利息补贴")


class FaqForm(StyledForm):
    question = forms.CharField(label="问题", max_length=300)
    answer = forms.CharField(label="答案", widget=forms.Textarea(attrs={"rows": 6}))
    collection = forms.ModelChoiceField(label="领域", queryset=Collection.objects.all(), required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
