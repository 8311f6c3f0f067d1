"""Health and the catalogue of service categories and modes (what the web front and clients offer)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import SessionDep
from domain.catalogue import CATEGORY_LABELS, LEVEL_LABELS, MODE_LABELS

router = APIRouter(tags=["meta"])


class Health(BaseModel):
    status: str
    database: bool


@router.get("/healthz", response_model=Health)
async def healthz(session: SessionDep) -> Health:
    try:
        await session.exec(text("select 1"))  # type: ignore[call-overload]
        ok = True
    except Exception:  # the health check reports, it does not fail
        ok = False
    return Health(status="ok" if ok else "degraded", database=ok)


class Catalogue(BaseModel):
    categories: dict[str, str]
    modes: dict[str, str]
    levels: dict[str, str]


@router.get("/api/v1/catalogue", response_model=Catalogue)
async def catalogue() -> Catalogue:
    return Catalogue(
        categories={k.value: v for k, v in CATEGORY_LABELS.items()},
        modes={k.value: v for k, v in MODE_LABELS.items()},
        levels={k.value: v for k, v in LEVEL_LABELS.items()},
    )
