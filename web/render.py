"""Rendering: the Jinja2 templates under templates/web/, their Chinese labels and filters, and the route
class that turns a refused step (ApiError) or a PageError into a Chinese page instead of the API's JSON."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.errors import ApiError
from config import ROOT
from devdata.market import CITY_NAMES, DISTRICTS
from domain.catalogue import CATEGORY_LABELS, LEVEL_LABELS, MODE_LABELS, PriceModel
from domain.identity import mask_id_number, mask_name, mask_phone
from domain.orders import Stage
from domain.service_area import BEIJING
from web.forms import PageError, zh_message
from web.session import Visitor

STAGE_LABELS = {
    Stage.DEMAND: "需求",
    Stage.ACCEPTANCE: "机构受理",
    Stage.CONTRACT: "签订合同",
    Stage.MATCHING: "选择服务人员",
    Stage.INTERVIEW: "面试",
    Stage.SERVICE: "上门服务",
    Stage.BILLING: "结算支付",
    Stage.EVALUATION: "评价",
    Stage.CLOSED: "已结束",
}
OUTCOME_LABELS = {
    "open": "进行中",
    "completed": "已完成",
    "cancelled": "已取消",
    "unfulfilled": "未能安排",
    "payment_overdue": "逾期未付，已转客服",
}
PRICE_UNITS = {
    PriceModel.HOURLY: "元/小时",
    PriceModel.PER_VISIT: "元/次",
    PriceModel.MONTHLY: "元/月",
    PriceModel.CYCLE_26_DAYS: "元/26天",
}
WAITING_LABELS = {
    "accept_or_decline": "等待家政机构受理",
    "sign_contract": "等待签订合同",
    "choose_worker": "请从下方服务人员中选择",
    "add_workers": "机构正在安排服务人员",
    "paused": "服务暂停中",
    "record_interview_result": "请面试后记录面试结果",
    "check_in": "等待服务人员上门（到达后请确认入户）",
    "check_out": "服务进行中",
    "confirm_fee_list": "请确认费用清单",
    "pay": "请支付费用",
    "rate": "请评价本次服务",
    "resolve_dispute": "费用异议处理中（客服）",
    "in_service": "服务进行中",
    "sign_annex": "等待服务人员签署派遣确认书",
    "answer_claims": "请答复机构的赔偿申请（逾期未答复将交由客服处理）",
    "resolve_claims": "赔偿争议处理中（客服）",
}
FEE_STATUS = {
    "issued": "待确认",
    "disputed": "异议处理中",
    "confirmed": "待支付",
    "paid": "已支付",
    "settled": "已结算",
}
CLAIM_STATUS = {
    "filed": "待您答复",
    "accepted": "您已同意",
    "disputed": "您有异议，客服处理中",
    "resolved": "客服已裁定",
    "lapsed": "已失效（未从押金扣除）",
}
PENALTY_STATUS = {
    "reported": "机构举报跳单，客服核实中",
    "confirmed": "客服核实属实，请支付违约金",
    "rejected": "客服核实不属实，不收取违约金",
    "lapsed": "未在期限内核实，举报已失效",
    "paid": "违约金已支付",
    "overdue": "违约金逾期未付，已记为欠款",
}
DEBT_STATUS = {"open": "未结清", "paid": "已结清"}
DEBT_KINDS = {"settlement": "终止结算欠款", "penalty": "跳单违约金欠款"}
COLOURS = {"green": "绿码", "yellow": "黄码", "red": "红码"}
WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    return f"-¥{-fen / 100:,.2f}" if fen < 0 else f"¥{fen / 100:,.2f}"


def _beijing(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def district_label(code: str) -> str:
    city, name = DISTRICTS.get(code, ("", code))
    return f"{CITY_NAMES.get(city, '')}{name}"


ENV = Environment(
    loader=FileSystemLoader(ROOT / "templates" / "web"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(
    yuan=_yuan,
    beijing=_beijing,
    district=district_label,
    category=lambda v: CATEGORY_LABELS.get(v, v),
    mode=lambda v: MODE_LABELS.get(v, v),
    level=lambda v: LEVEL_LABELS.get(v, v),
    stage=lambda v: STAGE_LABELS.get(v, v),
    outcome=lambda v: OUTCOME_LABELS.get(v, v),
    unit=lambda v: PRICE_UNITS.get(v, ""),
    waiting=lambda v: WAITING_LABELS.get(v, v),
    colour=lambda v: COLOURS.get(v, v),
    fee_status=lambda v: FEE_STATUS.get(v, v),
    claim_status=lambda v: CLAIM_STATUS.get(v, v),
    penalty_status=lambda v: PENALTY_STATUS.get(v, v),
    debt_status=lambda v: DEBT_STATUS.get(v, v),
    debt_kind=lambda v: DEBT_KINDS.get(v, v),
    day=lambda v: "—" if v is None else _beijing(v)[:10],
    mask_name=mask_name,
    mask_phone=mask_phone,
    mask_id=mask_id_number,
)
ENV.globals.update(
    CATEGORIES=CATEGORY_LABELS,
    MODES=MODE_LABELS,
    DISTRICTS={code: district_label(code) for code in DISTRICTS},
    WEEKDAYS=WEEKDAYS,
    STAGES=[s for s in Stage if s != Stage.DEMAND],
)


def render(visitor: Visitor | None, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = ENV.get_template(template).render(visitor=visitor, **context)
    response = HTMLResponse(body, status_code=status, headers=_HEADERS)
    # forms post only here: paying is a link to the payment platform's cashier, not a form
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )
    if visitor is not None:
        visitor.finish(response)
    return response


_HEADERS = {
    "Cache-Control": "no-store",  # pages carry personal data and CSRF tokens
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def error_page(status: int, title: str, message: str, back: str | None = None) -> HTMLResponse:
    return render(None, "error.html", status=status, title=title, message=message, back=back)


def _back(path: str, status: int) -> str | None:
    """Back to the order page after a refused step (not after a 404: there is nothing to go back to)."""
    found = re.match(r"^/orders/[0-9a-f-]{36}", path)
    return found.group(0) if found and status != 404 and found.group(0) != path else None


_TITLES = {404: "没有找到", 403: "无法操作", 409: "暂不能操作", 422: "内容有误", 429: "请稍后再试"}


class WebRoute(APIRoute):
    """Every web page: an ApiError or PageError raised on the way becomes a Chinese page (404 for what the
    visitor may not see), never the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except PageError as err:
                return error_page(err.status, err.title, err.message, _back(request.url.path, err.status))
            except ApiError as err:
                status = err.status if err.status in (403, 404, 409, 422, 429, 503) else 400
                back = _back(request.url.path, status)
                return error_page(status, _TITLES.get(status, "暂时无法完成"), zh_message(err), back)

        return handle
