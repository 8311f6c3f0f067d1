"""Unknown paths: under the web front a Chinese 404 page (a form's address opened as a link: a Chinese 405
page); under the API and its docs the API's JSON, as before. Also the Chinese reasons of the long-order
and claim refusals."""

from __future__ import annotations

import pytest

from api.errors import ApiError, is_api_path
from tests.support.stack import Stack
from tests.web.support import Browser, check_page
from web.forms import zh_message

WEB_PATHS = ("/no-such-page", "/orders/not-an-order/extra/path", "/zhao/x/y", "/static/web/none.css")
API_PATHS = ("/api/v1/no-such-thing", "/api/v1/orders/x/no-such-step", "/api", "/codec/nothing", "/docs/x")


async def test_unknown_web_paths_are_a_chinese_404_and_api_paths_stay_json(dev_stack: Stack) -> None:
    browser = Browser(dev_stack)
    for path in WEB_PATHS:
        answer = await browser.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html"), path
        check_page(answer.text)
        assert "没有找到" in answer.text and "您要找的页面不存在" in answer.text, path
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["cache-control"] == "no-store"
    opened = await browser.get("/orders/00000000-0000-0000-0000-000000000000/steps/pause")
    assert opened.status_code == 405 and "只接受页面上的表单提交" in opened.text
    check_page(opened.text)
    for path in API_PATHS:
        answer = await browser.get(path)
        assert answer.status_code in (404, 405), path
        assert answer.headers["content-type"].startswith("application/json"), path
        assert answer.json()["code"] in ("not_found", "method_not_allowed"), path
    assert (await browser.get("/openapi.json")).status_code == 200
    await browser.http.aclose()


def test_api_paths() -> None:
    for path in (*API_PATHS, "/openapi.json", "/docs", "/redoc", "/healthz"):
        assert is_api_path(path), path
    for path in (*WEB_PATHS, "/", "/apidocs", "/orders", "/codecs", "/docsx"):
        assert not is_api_path(path), path


@pytest.mark.parametrize(
    ("message", "chinese"),
    [
        ("the service is paused; resume it first", "服务暂停中，请先恢复服务再申请更换。"),
        ("a replacement is under way", "正在更换服务人员，暂不能暂停服务。"),
        ("a replacement is already under way", "已在为您更换服务人员，无需重复申请。"),
        ("the service is not paused", "服务未暂停，无需恢复。"),
        ("this claim has already been answered", "这项赔偿申请已经答复过了。"),
        ("a pause lasts 1 to 30 days", "暂停天数应为 1 到 30 天。"),
    ],
)
def test_long_order_refusals_are_explained_in_chinese(message: str, chinese: str) -> None:
    assert zh_message(ApiError(409, "WrongStage", message)) == chinese
    closed = ApiError(409, "report_closed", "this report is no longer open")
    assert zh_message(closed).startswith("该跳单举报")
