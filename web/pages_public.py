"""Pages anyone may open: 首页, 找家政 (search the published services), 知家政 (categories, reference
prices by district, policies and standards, courses), and the style sheet.

找家政 and 知家政 answer from the same functions as ``GET /api/v1/services`` and ``/api/v1/knowledge/*``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import PlatformsDep, SessionDep
from api.routes import agencies, knowledge, workers
from config import ROOT
from devdata.market import DISTRICTS
from domain.catalogue import ServiceCategory, ServiceMode
from web.forms import Errors, PageError
from web.render import WebRoute, render
from web.session import VisitorDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CSS = ROOT / "templates" / "web" / "app.css"


@router.get("/static/web/app.css")
async def style() -> Response:
    return Response(
        CSS.read_bytes(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/", response_class=HTMLResponse)
async def home(visitor: VisitorDep) -> HTMLResponse:
    return render(visitor, "home.html")


@dataclass
class Filters:
    category: ServiceCategory | None = None
    mode: ServiceMode | None = None
    district: str | None = None
    weekday: int | None = None
    time: str | None = None
    max_price_fen: int | None = None


def search_filters(query: dict[str, str], errors: Errors) -> Filters:
    """The 找家政 filters from the query string, each checked with a Chinese message."""
    found = Filters()
    if category := query.get("category"):
        if category in {c.value for c in ServiceCategory}:
            found.category = ServiceCategory(category)
        else:
            errors["category"] = "请选择列表中的服务类别"
    if mode := query.get("mode"):
        if mode in {m.value for m in ServiceMode}:
            found.mode = ServiceMode(mode)
        else:
            errors["mode"] = "请选择列表中的服务方式"
    if district := query.get("district"):
        if district in DISTRICTS:
            found.district = district
        else:
            errors["district"] = "请选择平台服务的区县"
    if weekday := query.get("weekday"):
        if weekday in {"1", "2", "3", "4", "5", "6", "7"}:
            found.weekday = int(weekday)
        else:
            errors["weekday"] = "请选择周一到周日"
    if time := query.get("time"):
        if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", time):
            found.time = time
        else:
            errors["time"] = "时间格式应为 时:分，例如 09:30"
    if price := query.get("max_price", "").replace(",", ""):
        if re.fullmatch(r"\d{1,7}(\.\d{1,2})?", price) and float(price) > 0:
            found.max_price_fen = round(float(price) * 100)
        else:
            errors["max_price"] = "最高价格应为大于 0 的金额（元）"
    return found


@router.get("/zhao", response_class=HTMLResponse)
async def zhao(request: Request, visitor: VisitorDep, session: SessionDep) -> HTMLResponse:
    query = {k: v.strip() for k, v in request.query_params.items()}
    errors: Errors = {}
    f = search_filters(query, errors)
    result = None
    if not errors:  # the same search as GET /api/v1/services
        result = await agencies.search(
            session=session,
            category=f.category,
            mode=f.mode,
            district=f.district,
            weekday=f.weekday,
            time=f.time,
            max_price_fen=f.max_price_fen,
            limit=50,
        )
    status = 422 if errors else 200
    return render(visitor, "zhao.html", status=status, form=query, errors=errors, result=result)


@router.get("/anxinma/{code}", response_class=HTMLResponse)
async def anxinma(
    code: str, visitor: VisitorDep, session: SessionDep, platforms: PlatformsDep
) -> HTMLResponse:
    """What scanning a worker card's QR shows: her live 安心码 (``GET /api/v1/anxinma/{code}``)."""
    if not re.fullmatch(r"[A-Z0-9]{4,32}", code):
        raise PageError(404, "没有找到", "没有这个安心码。")
    check = await workers.verify_anxinma(code=code, session=session, platforms=platforms)
    return render(visitor, "anxinma.html", check=check)


@router.get("/zhi", response_class=HTMLResponse)
async def zhi(request: Request, visitor: VisitorDep) -> HTMLResponse:
    district = request.query_params.get("district", "330106")
    errors: Errors = {}
    if district not in DISTRICTS:
        errors["district"] = "请选择平台服务的区县"
        district = "330106"
    return render(
        visitor,
        "zhi.html",
        status=422 if errors else 200,
        errors=errors,
        form={"district": district},
        guides=await knowledge.categories(),
        prices=await knowledge.prices(district=district, category=None),
        policies=await knowledge.policies(),
        courses=await knowledge.courses(category=None),
    )
