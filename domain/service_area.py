"""Where and when a service item is offered (B-7.1.3): its districts (else its agency's) and its hours per
ISO weekday in Beijing time. Used by 找家政 search and by routing a demand to agencies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def serves(item_districts: Sequence[str], agency_districts: Sequence[str], district: str | None) -> bool:
    if district is None:
        return True
    return district in (item_districts or agency_districts)


def open_at(hours: Mapping[str, Sequence[str]], weekday: int | None, time: str | None) -> bool:
    """Offered on that ISO weekday (and at that HH:MM). Items without hours are by arrangement: always."""
    if not hours or (weekday is None and time is None):
        return True
    days = [str(weekday)] if weekday is not None else list(hours)
    for day in days:
        span = hours.get(day)
        if span and (time is None or span[0] <= time < span[1]):
            return True
    return False


def offered(
    item_districts: Sequence[str],
    hours: Mapping[str, Sequence[str]],
    agency_districts: Sequence[str],
    district: str,
    starts_at: datetime,
) -> bool:
    """Is the item offered in ``district`` at the (aware) start time of a demand?"""
    local = starts_at.astimezone(BEIJING)
    return serves(item_districts, agency_districts, district) and open_at(
        hours, local.isoweekday(), local.strftime("%H:%M")
    )
