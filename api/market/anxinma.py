"""The worker's 安心码, checked live at the 安心码 platform when she registers or joins an agency (B-6.1.2,
B-7.4.1; standard.md "Facts from the field"):

- red (identity abnormal or high risk) or a police ``record`` in the background check → refused, 422
  ``anxinma_red`` / ``anxinma_background_record`` on ``anxinma_code``; nothing is stored;
- yellow (identity verified, but the health exam or the liability insurance missing or expired) → accepted
  and flagged: the colour and the reasons (``health_exam_missing``, ``insurance_expired`` …) are stored with
  the worker and shown to her agency; matching proposes only green codes anyway (activities/matching.py);
- green → accepted. A background check still ``pending`` is flagged (``background_pending``) whatever the
  colour;
- a code the platform does not know → 422; the platform not answering → 503 ``anxinma_unavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient, PlatformUnavailable, refusal_code
from api.errors import ApiError
from db.columns import utcnow
from db.market_models import Worker

GREEN, YELLOW, RED = "green", "yellow", "red"
CHINA = timedelta(hours=8)


@dataclass(frozen=True)
class AnxinmaChecked:
    code: str
    colour: str  # green | yellow
    flags: list[str]
    checked_at: datetime

    def store(self, worker: Worker) -> None:
        worker.anxinma_colour, worker.anxinma_flags = self.colour, list(self.flags)
        worker.anxinma_checked_at = self.checked_at


def _refuse(code: str, message: str) -> ApiError:
    return ApiError(422, code, message, [{"field": "anxinma_code", "message": message}])


def _lapses(live: dict[str, Any], today: date) -> list[str]:
    flags = []
    for fact, name in (("health_exam_valid_until", "health_exam"), ("insurance_valid_until", "insurance")):
        value = live.get(fact)
        if not value:
            flags.append(f"{name}_missing")
        elif date.fromisoformat(str(value)) < today:
            flags.append(f"{name}_expired")
    return flags


async def check_anxinma(platforms: PlatformClient, code: str) -> AnxinmaChecked:
    """The code's colour and flags, if it may register; else the refusal (422 / 503) — before anything is
    stored."""
    try:
        live = await platforms.get(f"/anxinma/v1/codes/{code}")
    except PlatformUnavailable as err:
        raise ApiError(
            503,
            "anxinma_unavailable",
            "the 安心码 platform is not answering; nothing was stored, retry",
        ) from err
    except ApplicationError as err:
        if refusal_code(err) == "code_not_found":
            raise _refuse("anxinma_unknown", "the 安心码 platform has no such code") from err
        raise _refuse("anxinma_refused", "the 安心码 platform refuses this code") from err
    now = utcnow()
    colour = str(live.get("colour", ""))
    if live.get("background") == "record":
        raise _refuse(
            "anxinma_background_record",
            "the 安心码 shows a police record in the background check: the worker cannot be registered",
        )
    if colour not in (GREEN, YELLOW):
        raise _refuse(
            "anxinma_red",
            f"the 安心码 is {colour or 'without a colour'} (identity abnormal or high risk): "
            "the worker cannot be registered",
        )
    flags = (_lapses(live, (now + CHINA).date()) or ["yellow"]) if colour == YELLOW else []
    if live.get("background") == "pending":
        flags.append("background_pending")
    return AnxinmaChecked(code=code, colour=colour, flags=flags, checked_at=now)
