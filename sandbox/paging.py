"""Cursor paging for list endpoints: items sorted by a key; the cursor is the previous page's last key."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, TypeVar

from fastapi import Query

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page; omit for the first page")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]


def paginate(
    items: Iterable[T], key: Callable[[T], str], cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    ordered = sorted(items, key=key)
    if cursor:
        ordered = [item for item in ordered if key(item) > cursor]
    page = ordered[:limit]
    next_cursor = key(page[-1]) if len(ordered) > limit else None
    return page, next_cursor
