"""知家政 (A-6.4): categories with their standard content, reference prices by district, policies and
standards, training courses. Public: no sign-in needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.errors import field_error
from devdata.market import DISTRICTS
from domain.catalogue import MODE_LABELS, ServiceCategory
from domain.knowledge import COURSES, GUIDES, POLICIES, price_ranges

router = APIRouter(prefix="/api/v1/knowledge", tags=["知家政"])


class CategoryGuideOut(BaseModel):
    category: str
    label: str
    content: list[str]
    modes: dict[str, str]
    usual_certificates: list[str]


@router.get(
    "/categories", response_model=list[CategoryGuideOut], summary="Service categories and their content"
)
async def categories() -> list[CategoryGuideOut]:
    return [
        CategoryGuideOut(
            category=g.category.value,
            label=g.label,
            content=list(g.content),
            modes={m.value: MODE_LABELS[m] for m in g.modes},
            usual_certificates=list(g.usual_certificates),
        )
        for g in GUIDES
    ]


class PriceRangeOut(BaseModel):
    category: str
    price_model: str
    min_fen: int
    max_fen: int


class PriceGuide(BaseModel):
    district: str
    district_name: str
    city: str
    ranges: list[PriceRangeOut]


@router.get("/prices", response_model=PriceGuide, summary="Reference price ranges in a district")
async def prices(
    district: Annotated[str, Query(pattern=r"^\d{6}$", description="e.g. 330106")],
    category: ServiceCategory | None = None,
) -> PriceGuide:
    if district not in DISTRICTS:
        raise field_error("district", f"district {district} is not served by the platform")
    city, name = DISTRICTS[district]
    ranges = [
        PriceRangeOut(
            category=r.category.value, price_model=r.price_model.value, min_fen=r.min_fen, max_fen=r.max_fen
        )
        for r in price_ranges(city)
        if category is None or r.category == category
    ]
    return PriceGuide(district=district, district_name=name, city=city, ranges=ranges)


class PolicyOut(BaseModel):
    code: str
    title: str
    kind: str


@router.get("/policies", response_model=list[PolicyOut], summary="Policies and standards the trade follows")
async def policies() -> list[PolicyOut]:
    return [PolicyOut(code=p.code, title=p.title, kind=p.kind) for p in POLICIES]


class CourseOut(BaseModel):
    id: str
    title: str
    category: str | None
    hours: int
    online: bool
    level: str


@router.get("/courses", response_model=list[CourseOut], summary="Training courses (SB/T 10848)")
async def courses(category: ServiceCategory | None = None) -> list[CourseOut]:
    return [
        CourseOut(
            id=c.id,
            title=c.title,
            category=c.category.value if c.category else None,
            hours=c.hours,
            online=c.online,
            level=c.level,
        )
        for c in COURSES
        if category is None or c.category in (None, category)
    ]
