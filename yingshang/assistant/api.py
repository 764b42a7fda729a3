"""智能问答 API, mounted under /api/v1/assistant/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["智能问答"])
