"""The customer web front (issue 3): thin, server-rendered, mobile-first, Simplified Chinese.

``router`` holds every page; api/main.py includes it once. Pages call the API's own functions (scoped
reads, order creation, workflow steps), so the web front adds no second set of rules. See docs/web.md.
"""

from __future__ import annotations

from fastapi import APIRouter

from web import pages_account, pages_orders, pages_public, pages_steps

router = APIRouter()
for _module in (pages_public, pages_account, pages_orders, pages_steps):
    router.include_router(_module.router)
