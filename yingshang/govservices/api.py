"""政务服务 API, mounted under /api/v1/govservices/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["政务服务"])
