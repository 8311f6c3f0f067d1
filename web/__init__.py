"""The customer web front (issue 3): thin, server-rendered, mobile-first, Simplified Chinese.

``router`` holds every page; api/main.py includes it once. Pages call the API's own functions (scoped
reads, order creation, workflow steps), so the web front adds no second set of rules. See docs/web.md.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web import pages_account, pages_customer, pages_orders, pages_point, pages_public, pages_steps
from web.render import error_page

router = APIRouter()
for _module in (pages_public, pages_account, pages_customer, pages_point, pages_orders, pages_steps):
    router.include_router(_module.router)


def not_found_page(status: int) -> HTMLResponse:
    """An unknown path outside the API (api/errors.py keeps the JSON 404 for /api/v1 and the docs), or a
    form's address opened as a link (405)."""
    if status == 405:
        return error_page(405, "无法打开", "这个地址只接受页面上的表单提交，请返回页面后操作。")
    return error_page(404, "没有找到", "您要找的页面不存在，可能链接有误或页面已删除。")
