"""Fee lists (B-7.8.1) computed from the contract's terms and what was served.

Rounding: hourly service is counted in started half hours, never less than the booked hours or the
item's minimum; each line is rounded half up to the fen; the total is the sum of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.catalogue import PriceModel
from domain.money import mul_div_round, yuan


@dataclass(frozen=True)
class FeeTerms:
    price_model: PriceModel
    unit_price_fen: int
    min_hours: int = 0
    management_fee_fen: int = 0


@dataclass(frozen=True)
class Served:
    checked_in_at: datetime
    checked_out_at: datetime
    booked_hours: int = 0
    months: int = 1


@dataclass(frozen=True)
class FeeLine:
    item: str
    amount_fen: int


def half_hours_worked(served: Served) -> int:
    seconds = max((served.checked_out_at - served.checked_in_at).total_seconds(), 0)
    return -(-int(seconds) // 1800)  # started half hours


def fee_lines(terms: FeeTerms, served: Served) -> list[FeeLine]:
    if terms.price_model == PriceModel.HOURLY:
        half_hours = max(half_hours_worked(served), 2 * served.booked_hours, 2 * terms.min_hours)
        amount = mul_div_round(terms.unit_price_fen, half_hours, 2)
        return [FeeLine(f"计时服务 {half_hours / 2:g} 小时 × {yuan(terms.unit_price_fen)}", amount)]
    if terms.price_model == PriceModel.PER_VISIT:
        return [FeeLine(f"上门服务 1 次 × {yuan(terms.unit_price_fen)}", terms.unit_price_fen)]
    periods = max(served.months, 1)
    unit = "月" if terms.price_model == PriceModel.MONTHLY else "个26天周期"
    lines = [
        FeeLine(f"服务费 {periods} {unit} × {yuan(terms.unit_price_fen)}", terms.unit_price_fen * periods)
    ]
    if terms.management_fee_fen:
        lines.append(
            FeeLine(
                f"管理费 {periods} {unit} × {yuan(terms.management_fee_fen)}",
                terms.management_fee_fen * periods,
            )
        )
    return lines


def total(lines: list[FeeLine]) -> int:
    return sum(line.amount_fen for line in lines)
