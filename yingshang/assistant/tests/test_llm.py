"""The model path against a fake OpenAI-compatible server started by the test: a faithful answer is shown, an
invented number or citation is caught, a slow or broken server falls back to the extractive answer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yingshang.assistant.answers import Citation
from yingshang.assistant.llm import LlmTimeout, llm_config, stream_completion, verify_answer
from yingshang.assistant.models import LlmOutcome, Question

pytestmark = pytest.mark.django_db


class FakeModel:
    """What the fake server answers, and what it received."""

    def __init__(self) -> None:
        self.reply = ""
        self.delay = 0.0
        self.status = 200
        self.requests: list[dict[str, Any]] = []


@pytest.fixture
def fake_llm(settings: Any) -> Iterator[FakeModel]:
    model = FakeModel()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            model.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
            if model.status != 200:
                self.send_response(model.status)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in [model.reply[i : i + 4] for i in range(0, len(model.reply), 4)]:
                if model.delay:
                    time.sleep(model.delay)
                chunk = {"choices": [{"delta": {"content": piece}}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LLM_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.LLM_API_KEY = "test-key"
    settings.LLM_MODEL = "fake-deepseek"
    settings.LLM_TIMEOUT_SECONDS = 2
    yield model
    server.shutdown()
    server.server_close()


def _events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    raw = b"".join(response.streaming_content).decode()
    events = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def _ask(question: str) -> list[tuple[str, dict[str, Any]]]:
    response = Client().post(reverse("assistant:ask"), {"q": question}, HTTP_ACCEPT="text/event-stream")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    return _events(response)


def test_a_faithful_model_answer_streams_and_is_shown(loan_rules, fake_llm):
    fake_llm.reply = "个人创业者最高可申请30万元创业担保贷款,期限最长不超过3年[1]。"
    events = _ask("个人创业担保贷款最高能贷多少?")
    names = [name for name, _ in events]
    assert names[0] == "answer" and names[1] == "llm_start" and names[-1] == "done"
    assert names.count("llm_delta") > 3  # it arrived in pieces
    done = dict(events)["llm_done"]
    assert done["ok"] is True and "30万元" in done["html"] and 'href="#cite-1"' in done["html"]
    sent = fake_llm.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer test-key"
    assert "[1]" in sent["body"]["messages"][1]["content"] and "30万元" in sent["body"]["messages"][1]["content"]
    question = Question.objects.get()
    assert (question.mode, question.llm_outcome) == ("llm", LlmOutcome.VERIFIED)


def test_a_model_that_invents_a_number_is_caught_and_the_extract_stays(loan_rules, fake_llm):
    fake_llm.reply = "个人创业者最高可申请50万元贷款[1]。"
    events = _ask("个人创业担保贷款最高能贷多少?")
    done = dict(events)["llm_done"]
    assert done["ok"] is False and "50万元" in done["reason"]
    assert "30万元" in dict(events)["answer"]["html"]
    question = Question.objects.get()
    assert (question.mode, question.llm_outcome) == ("extractive", LlmOutcome.REJECTED)


def test_a_slow_model_times_out_and_the_extract_stays(loan_rules, fake_llm, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    fake_llm.reply = "个人创业者最高可申请30万元创业担保贷款[1]。"
    fake_llm.delay = 0.2
    events = _ask("个人创业担保贷款最高能贷多少?")
    assert dict(events)["llm_done"] == {"ok": False, "reason": "大模型回答超时,以上为政策原文摘录"}
    assert Question.objects.get().llm_outcome == LlmOutcome.TIMEOUT


def test_a_failing_server_falls_back(loan_rules, fake_llm):
    fake_llm.status = 500
    events = _ask("个人创业担保贷款最高能贷多少?")
    assert dict(events)["llm_done"]["ok"] is False
    assert Question.objects.get().llm_outcome == LlmOutcome.ERROR


def test_refusals_never_reach_the_model(loan_rules, fake_llm):
    events = _ask("办理护照需要带什么材料?")
    assert [name for name, _ in events] == ["answer", "done"]
    assert fake_llm.requests == []


def test_the_page_without_javascript_shows_the_checked_model_answer(loan_rules, fake_llm):
    fake_llm.reply = "个人创业者最高可申请30万元创业担保贷款[1]。"
    page = Client().post(reverse("assistant:ask"), {"q": "个人创业担保贷款最高能贷多少?"}).content.decode()
    assert "智能归纳(已核验)" in page and 'href="#cite-1"' in page


def _citation(n: int, text: str) -> Citation:
    return Citation(n, n, "细则", "", "", "", "", f"第{n}条", "", text, "", "")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("最高30万元[1],贴息50%[2]。", None),
        ("最高30万元。", "回答未标注引用的资料"),
        ("最高30万元[3]。", "回答引用了不存在的资料编号 3"),
        ("最高30万元[2]。", "回答中的“30万元”在所引资料中找不到"),
        ("贴息比例为60%[2]。", "回答中的“60%”在所引资料中找不到"),
        ("自2026年起施行[1]。", "回答中的“2026年”在所引资料中找不到"),
        ("最高 30万元【1】。", None),
    ],
)
def test_verification_rules(answer, problem):
    citations = [_citation(1, "个人最高可申请30万元贷款。"), _citation(2, "财政按实际利率的50%给予贴息。")]
    assert verify_answer(answer, citations) == problem


@pytest.mark.parametrize(
    ("reply", "caught"),
    [
        ("个人创业者最高可申请三十五万元创业担保贷款[1]。", "三十五万元"),
        ("个人创业者最高可申请0万元创业担保贷款[1]。", "0万元"),
        ("个人创业者最高可申请300000万元创业担保贷款[1]。", "300000万元"),
    ],
)
def test_a_model_that_writes_an_invented_amount_another_way_is_caught(loan_rules, fake_llm, reply, caught):
    fake_llm.reply = reply
    done = dict(_ask("个人创业担保贷款最高能贷多少?"))["llm_done"]
    assert done["ok"] is False and f"“{caught}”" in done["reason"]
    assert Question.objects.get().llm_outcome == LlmOutcome.REJECTED


def test_a_model_answer_in_chinese_numerals_that_matches_the_clause_is_shown(loan_rules, fake_llm):
    fake_llm.reply = "个人创业者最高可申请三十万元创业担保贷款[1]。"
    done = dict(_ask("个人创业担保贷款最高能贷多少?"))["llm_done"]
    assert done["ok"] is True and "三十万元" in done["html"]


def test_a_model_that_stalls_mid_answer_times_out_at_the_deadline_not_a_read_later(fake_llm):
    config = llm_config()
    assert config is not None
    config = replace(config, timeout=1.0)
    fake_llm.reply = "个人创业者最高可申请30万元创业担保贷款[1]。"
    fake_llm.delay = 0.9  # every piece arrives within a fresh socket timeout, the whole answer would take ~6 s
    started = time.monotonic()
    with pytest.raises(LlmTimeout):
        list(stream_completion(config, [{"role": "user", "content": "?"}]))
    # Reading the next piece may only wait for what is left of the deadline (not another full second).
    assert time.monotonic() - started < 1.5


def test_markup_in_a_model_answer_is_shown_as_text(loan_rules, fake_llm):
    fake_llm.reply = '<img src=x onerror="alert(document.cookie)">个人创业者最高可申请30万元创业担保贷款[1]。'
    done = dict(_ask("个人创业担保贷款最高能贷多少?"))["llm_done"]
    assert done["ok"] is True
    assert "<img" not in done["html"] and "&lt;img src=x onerror=&quot;alert(document.cookie)&quot;&gt;" in done["html"]
