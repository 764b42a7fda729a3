"""An optional OpenAI-compatible chat server (vLLM, Ollama, a local DeepSeek) and the checks its answers must pass.

The model sees the top passages numbered [1]…[n] and must cite them. Its answer is kept only if every citation
number exists and every amount, percentage, date and count in it appears in a passage it cites; otherwise (or on
timeout or any error) the caller falls back to the extractive answer. Standard library only (http.client)."""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from .answers import Citation
from .facts import unsupported_fact

SYSTEM_PROMPT = (
    "你是区营商环境服务平台的政策问答助手。只能依据用户消息中编号的资料回答,不得使用资料以外的知识。"
    "回答用简体中文,简洁准确;金额、比例、期限、条件必须与资料原文完全一致;"
    "每句话后用 [编号] 标明依据的资料(如 [1]);资料中没有答案时,只回答“未找到政策依据”。"
)
_CITE_RE = re.compile(r"[\[【](\d{1,2})[\]】]")
_LIST_MARK_RE = re.compile(r"(?m)^\s*(?:\d{1,2}[.、)]|[-*•])\s*")


class LlmError(Exception):
    pass


class LlmTimeout(LlmError):
    pass


@dataclass(frozen=True)
class LlmConfig:
    base_url: str
    api_key: str
    model: str
    timeout: float


def llm_config() -> LlmConfig | None:
    """The configured server, or None (extractive answers only). Read at call time so tests can override."""
    base_url = str(getattr(settings, "LLM_BASE_URL", "") or "").strip()
    model = str(getattr(settings, "LLM_MODEL", "") or "").strip()
    if not base_url or not model:
        return None
    return LlmConfig(
        base_url=base_url.rstrip("/"),
        api_key=str(getattr(settings, "LLM_API_KEY", "") or ""),
        model=model,
        timeout=float(getattr(settings, "LLM_TIMEOUT_SECONDS", 30) or 30),
    )


def _passage(c: Citation) -> str:
    return f"《{c.title}》{' ' + c.doc_number if c.doc_number else ''} {c.clause_path}\n{c.text}"


def build_messages(question: str, citations: list[Citation]) -> list[dict[str, str]]:
    passages = "\n\n".join(f"[{c.n}]{_passage(c)}" for c in citations)
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"资料:\n{passages}\n\n问题:{question}"},
    ]


def _connection(config: LlmConfig, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LlmError("LLM_BASE_URL 不是有效的 http(s) 地址")
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return cls(parts.hostname, parts.port, timeout=timeout), f"{parts.path.rstrip('/')}/chat/completions"


def _deltas(response: http.client.HTTPResponse, sock: Any, deadline: float) -> Iterator[str]:
    """The content deltas of a server-sent-events answer, until [DONE] or the deadline."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LlmTimeout("大模型回答超时")
        # A server that stalls mid-answer must not hold the page past the deadline: each read may wait only for
        # what is left of it, not a fresh full timeout.
        if sock is not None:
            sock.settimeout(remaining)
        line = response.readline()
        if not line:
            return
        text = line.decode("utf-8", "replace").strip()
        if not text.startswith("data:"):
            continue
        data = text[5:].strip()
        if data == "[DONE]":
            return
        choice = json.loads(data)["choices"][0]
        delta = (choice.get("delta") or {}).get("content") or ""
        if delta:
            yield delta


def stream_completion(config: LlmConfig, messages: list[dict[str, str]]) -> Iterator[str]:
    """Text deltas of the model's answer as they arrive. Raises LlmTimeout when the whole answer takes longer
    than the configured timeout, LlmError on anything else."""
    deadline = time.monotonic() + config.timeout
    body = json.dumps(
        {"model": config.model, "messages": messages, "stream": True, "temperature": 0}, ensure_ascii=False
    ).encode()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    connection, path = _connection(config, config.timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        # Kept before getresponse(): for a server that closes after answering, the connection hands its socket to
        # the response and forgets it.
        sock = connection.sock
        response = connection.getresponse()
        if response.status != 200:
            raise LlmError(f"大模型服务返回 HTTP {response.status}")
        if "application/json" in (response.getheader("Content-Type") or ""):
            # A server that ignores "stream": one JSON answer.
            payload = json.loads(response.read().decode())
            yield str(payload["choices"][0]["message"]["content"] or "")
            return
        yield from _deltas(response, sock, deadline)
    except TimeoutError as exc:
        raise LlmTimeout("大模型回答超时") from exc
    except (OSError, http.client.HTTPException, ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmError(f"大模型服务调用失败:{exc.__class__.__name__}") from exc
    finally:
        connection.close()


def verify_answer(answer: str, citations: list[Citation]) -> str | None:
    """None when the answer may be shown; otherwise the reason (Chinese) it was rejected."""
    if not answer.strip():
        return "大模型未给出回答"
    cited = {int(n) for n in _CITE_RE.findall(answer)}
    if not cited:
        return "回答未标注引用的资料"
    known = {c.n: c for c in citations}
    missing = sorted(cited - set(known))
    if missing:
        return f"回答引用了不存在的资料编号 {missing[0]}"
    # The model saw each passage's title, 文号 and clause as well as its text (build_messages), so it may quote them.
    sources = "\n".join(_passage(known[n]) for n in sorted(cited))
    stripped = _LIST_MARK_RE.sub("", _CITE_RE.sub("", answer))
    fact = unsupported_fact(stripped, sources)
    if fact is not None:
        return f"回答中的“{fact.written}”在所引资料中找不到"
    return None
