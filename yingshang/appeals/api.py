"""企业诉求 API, mounted under /api/v1/appeals/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["企业诉求"])
