"""惠企政策 API, mounted under /api/v1/policies/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["惠企政策"])
