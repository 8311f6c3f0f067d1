"""Fee lists (B-7.8.1) computed from the contract's terms and what was served — pure functions, no I/O.

Price models (docs/money.md):
- **hourly**: the booked hours, never less than the item's minimum, at the hourly rate; time worked beyond
  them is overtime at ``overtime_pct`` of the rate; worked time between 22:00 and 06:00 (Beijing time) and on
  statutory holidays carries a surcharge. Time is counted in started half hours.
- **per visit**: the visit price; a visit starting on a statutory holiday carries the holiday surcharge.
- **monthly** (live-in / daytime): billed in advance per calendar-month cycle: the wage and the management
  fee, pro-rated by calendar day for partial cycles; the first ``trial_days`` of the first cycle at the trial
  daily rate (wage ÷ 26, no management fee); rest days worked at ``rest_day_overtime_pct`` of the daily wage;
  replacement gaps and paused days are not billed (credited on the next cycle's list, or in the settlement).
- **26-day cycle** (月嫂): as monthly, with fixed 26-day cycles.
- **deposit**: charged with the first cycle, returned at the end less what is still owed.

Rounding: each line is rounded once, half up to the fen (``mul_div_round``); a total is the sum of its lines.
Day counting favours the customer: an unbilled interval counts in started days (a 2-day-5-hour gap is 3
days), served days of a settlement in started days as well, capped at the cycle's length.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from domain.catalogue import PriceModel
from domain.money import mul_div_round, yuan
from domain.money_state import LateItem

BEIJING = timezone(timedelta(hours=8))
DAY = 86400

# The 13 statutory holiday days (法定节假日, 2025 revision: 元旦 1, 春节 4 from 除夕, 清明 1, 劳动节 2,
# 端午 1, 中秋 1, 国庆 3) — not the bridged rest days. Copied into every contract's terms when it is made;
# extend the table each year from the State Council's notice.
STATUTORY_HOLIDAYS: tuple[str, ...] = (
    "2026-01-01",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-04-05",
    "2026-05-01",
    "2026-05-02",
    "2026-06-19",
    "2026-09-25",
    "2026-10-01",
    "2026-10-02",
    "2026-10-03",
    "2027-01-01",
    "2027-02-05",
    "2027-02-06",
    "2027-02-07",
    "2027-02-08",
    "2027-04-05",
    "2027-05-01",
    "2027-05-02",
    "2027-06-09",
    "2027-09-15",
    "2027-10-01",
    "2027-10-02",
    "2027-10-03",
)

CYCLE_MODELS = (PriceModel.MONTHLY, PriceModel.CYCLE_26_DAYS)


@dataclass(frozen=True)
class FeeTerms:
    """The money terms of one contract (stored in its ``terms`` and printed in it)."""

    price_model: PriceModel
    unit_price_fen: int  # per hour, per visit, per month or per 26-day cycle
    min_hours: int = 0
    management_fee_fen: int = 0  # per month / per cycle
    trial_days: int = 0
    deposit_fen: int = 0
    overtime_pct: int = 150  # hourly: beyond the booked hours
    night_surcharge_pct: int = 50  # hourly: worked 22:00-06:00
    holiday_surcharge_pct: int = 100  # hourly and per visit: on statutory holidays
    rest_days_per_month: int = 4
    working_days_per_month: int = 26  # the daily wage is the monthly wage / 26
    rest_day_overtime_pct: int = 200  # a rest day worked, of the daily wage
    late_interest_per_10000_per_day: int = 5  # 万分之五 per day on overdue amounts
    holidays: tuple[str, ...] = STATUTORY_HOLIDAYS

    @classmethod
    def from_terms(cls, terms: dict[str, Any]) -> FeeTerms:
        known = {k: v for k, v in terms.items() if k in cls.__dataclass_fields__}
        known["price_model"] = PriceModel(known["price_model"])
        if "holidays" in known:
            known["holidays"] = tuple(known["holidays"])
        return cls(**known)

    def as_terms(self) -> dict[str, Any]:
        out = asdict(self)
        out["price_model"] = self.price_model.value
        out["holidays"] = list(self.holidays)
        return out

    @property
    def daily_wage_fen(self) -> int:
        return mul_div_round(self.unit_price_fen, 1, self.working_days_per_month)

    @property
    def cyclic(self) -> bool:
        return self.price_model in CYCLE_MODELS


@dataclass(frozen=True)
class FeeLine:
    item: str
    amount_fen: int
    kind: str = (
        "service"  # service | management | trial | overtime | surcharge | deposit | credit | adjustment
    )


def total(lines: list[FeeLine]) -> int:
    return sum(line.amount_fen for line in lines)


def as_rows(lines: list[FeeLine]) -> list[dict[str, Any]]:
    return [{"item": ln.item, "amount_fen": ln.amount_fen, "kind": ln.kind} for ln in lines]


def from_rows(rows: list[dict[str, Any]]) -> list[FeeLine]:
    return [FeeLine(str(r["item"]), int(r["amount_fen"]), str(r.get("kind", "service"))) for r in rows]


# ------------------------------------------------------------------ time arithmetic


def started(seconds: float, unit: int) -> int:
    """How many started units of ``unit`` seconds ``seconds`` covers (0 for nothing)."""
    return math.ceil(max(seconds, 0) / unit - 1e-9) if seconds > 0 else 0


def add_months(start: datetime, months: int) -> datetime:
    """The same day ``months`` later (clamped to the month's last day): the end of monthly cycles."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return start.replace(year=year, month=month, day=min(start.day, last))


def cycle_period(model: PriceModel, service_start: datetime, cycle: int) -> tuple[datetime, datetime]:
    """Cycle ``cycle`` (1-based) of a service that started at ``service_start``."""
    if model == PriceModel.CYCLE_26_DAYS:
        return service_start + timedelta(days=26 * (cycle - 1)), service_start + timedelta(days=26 * cycle)
    return add_months(service_start, cycle - 1), add_months(service_start, cycle)


def days_in(start: datetime, end: datetime) -> int:
    return max(round((end - start).total_seconds() / DAY), 1)


def overlap_seconds(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max((min(a1, b1) - max(a0, b0)).total_seconds(), 0.0)


def unbilled_days(
    intervals: list[tuple[datetime, datetime]], period_start: datetime, period_end: datetime
) -> int:
    """Started days of the intervals inside the period, capped at the period's length."""
    days = sum(started(overlap_seconds(s, e, period_start, period_end), DAY) for s, e in intervals)
    return min(days, days_in(period_start, period_end))


def _local_windows(start: datetime, end: datetime, holidays: tuple[str, ...]) -> tuple[float, float]:
    """(seconds worked at night 22:00-06:00, seconds worked on statutory holidays), Beijing time."""
    night = holiday = 0.0
    day = start.astimezone(BEIJING).date() - timedelta(days=1)
    last = end.astimezone(BEIJING).date()
    while day <= last:
        midnight = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
        night += overlap_seconds(start, end, midnight + timedelta(hours=22), midnight + timedelta(hours=30))
        if day.isoformat() in holidays:
            holiday += overlap_seconds(start, end, midnight, midnight + timedelta(days=1))
        day += timedelta(days=1)
    return night, holiday


# ------------------------------------------------------------------ hourly and per visit


def hourly_lines(
    terms: FeeTerms, checked_in_at: datetime, checked_out_at: datetime, booked_hours: int
) -> list[FeeLine]:
    rate = terms.unit_price_fen
    worked = started((checked_out_at - checked_in_at).total_seconds(), 1800)  # half hours
    billed = 2 * max(booked_hours, terms.min_hours, 0)
    base = billed or worked
    lines = [FeeLine(f"计时服务 {base / 2:g} 小时 × {yuan(rate)}", mul_div_round(rate, base, 2))]
    extra = worked - base
    if extra > 0:
        lines.append(
            FeeLine(
                f"超时服务 {extra / 2:g} 小时 × {yuan(rate)} × {terms.overtime_pct}%",
                mul_div_round(rate * terms.overtime_pct, extra, 200),
                "overtime",
            )
        )
    night_s, holiday_s = _local_windows(checked_in_at, checked_out_at, terms.holidays)
    night, holiday = started(night_s, 1800), started(holiday_s, 1800)
    if night and terms.night_surcharge_pct:
        lines.append(
            FeeLine(
                f"夜间（22:00-06:00）加价 {night / 2:g} 小时 × {terms.night_surcharge_pct}%",
                mul_div_round(rate * terms.night_surcharge_pct, night, 200),
                "surcharge",
            )
        )
    if holiday and terms.holiday_surcharge_pct:
        lines.append(
            FeeLine(
                f"法定节假日加价 {holiday / 2:g} 小时 × {terms.holiday_surcharge_pct}%",
                mul_div_round(rate * terms.holiday_surcharge_pct, holiday, 200),
                "surcharge",
            )
        )
    return lines


def visit_lines(terms: FeeTerms, visits: list[datetime]) -> list[FeeLine]:
    price = terms.unit_price_fen
    lines = [FeeLine(f"上门服务 {len(visits)} 次 × {yuan(price)}", price * len(visits))]
    on_holiday = sum(1 for v in visits if v.astimezone(BEIJING).date().isoformat() in terms.holidays)
    if on_holiday and terms.holiday_surcharge_pct:
        lines.append(
            FeeLine(
                f"法定节假日加价 {on_holiday} 次 × {terms.holiday_surcharge_pct}%",
                mul_div_round(price * terms.holiday_surcharge_pct, on_holiday, 100),
                "surcharge",
            )
        )
    return lines


def single_visit_lines(
    terms: FeeTerms, checked_in_at: datetime, checked_out_at: datetime, booked_hours: int
) -> list[FeeLine]:
    """The fee list of one hourly or per-visit order."""
    if terms.price_model == PriceModel.PER_VISIT:
        return visit_lines(terms, [checked_in_at])
    if terms.price_model == PriceModel.HOURLY:
        return hourly_lines(terms, checked_in_at, checked_out_at, booked_hours)
    raise ValueError(f"{terms.price_model} is billed in cycles")


# ------------------------------------------------------------------ cycles (live-in, daytime, 月嫂)


def cycle_charge(
    terms: FeeTerms, cycle: int, cycle_days: int, billable_days: int, trial_days: int | None = None
) -> list[FeeLine]:
    """What ``billable_days`` of a cycle of ``cycle_days`` cost: trial days first, then the wage and the
    management fee pro-rated by calendar day. Trial days are the contract's first ``trial_days`` in the first
    cycle, unless ``trial_days`` says how many of this cycle's days are trial days (a replacement worker's
    new trial period). Monotonic in ``billable_days``."""
    billable = min(max(billable_days, 0), cycle_days)
    unit = "月" if terms.price_model == PriceModel.MONTHLY else "26天周期"
    if trial_days is None:
        trial_days = terms.trial_days if cycle == 1 else 0
    trial = min(max(trial_days, 0), billable, cycle_days)
    normal = billable - trial
    lines: list[FeeLine] = []
    if trial:
        lines.append(
            FeeLine(
                f"试用期 {trial} 天 × 日工资 {yuan(terms.daily_wage_fen)}",
                trial * terms.daily_wage_fen,
                "trial",
            )
        )
    if normal:
        span = "" if normal == cycle_days else f"（{normal}/{cycle_days} 天）"
        lines.append(
            FeeLine(
                f"服务费 {yuan(terms.unit_price_fen)}/{unit}{span}",
                mul_div_round(terms.unit_price_fen, normal, cycle_days),
            )
        )
        if terms.management_fee_fen:
            lines.append(
                FeeLine(
                    f"管理费 {yuan(terms.management_fee_fen)}/{unit}{span}",
                    mul_div_round(terms.management_fee_fen, normal, cycle_days),
                    "management",
                )
            )
    return lines


def overtime_lines(terms: FeeTerms, days: int, when: str = "") -> list[FeeLine]:
    if days <= 0:
        return []
    return [
        FeeLine(
            f"{when}休息日加班 {days} 天 × 日工资 × {terms.rest_day_overtime_pct}%",
            mul_div_round(
                terms.unit_price_fen * terms.rest_day_overtime_pct, days, 100 * terms.working_days_per_month
            ),
            "overtime",
        )
    ]


@dataclass(frozen=True)
class ClosedCycle:
    """What the previous cycle left to settle on the next list: unbilled days, rest days worked, and the
    trial days of a replacement worker who started in it (billed at the trial rate after the fact)."""

    cycle: int
    cycle_days: int
    gap_days: int = 0  # replacement gaps: no worker
    pause_days: int = 0
    overtime_days: int = 0
    billed_trial_days: int | None = None  # trial days its prepaid list billed (None: the contract's rule)
    new_trial_days: int = 0  # a replacement's trial days that began in it (not billed as trial yet)


def credit_lines(terms: FeeTerms, closed: ClosedCycle, cap: int | None = None) -> list[FeeLine]:
    """Unbilled days of a prepaid cycle, given back: the difference of what the cycle cost in full and
    what its billable days cost (so trial days and pro-rating stay exact); then a replacement worker's
    trial days re-priced at the trial rate (the difference, either way: a trial day costs the daily wage
    without management fee, which in a 31-day month can be more than a pro-rated day)."""
    billed = closed.billed_trial_days

    def cost(days: int, trial: int | None = billed) -> int:
        return total(cycle_charge(terms, closed.cycle, closed.cycle_days, days, trial))

    full = cost(closed.cycle_days)
    unbilled = min(closed.gap_days + closed.pause_days, closed.cycle_days)
    gap = min(closed.gap_days, closed.cycle_days)
    after_gap = cost(closed.cycle_days - gap)
    after_all = cost(closed.cycle_days - unbilled)
    # A credit is at most what the next list charges (one full cycle's wage and fee, less if it has trial
    # days); only a whole first cycle with trial days unbilled (trial days cost wage/26 a day) could
    # otherwise exceed it.
    if cap is None:
        cap = terms.unit_price_fen + terms.management_fee_fen
    gap_credit = min(full - after_gap, cap)
    pause_credit = min(after_gap - after_all, cap - gap_credit)
    lines: list[FeeLine] = []
    if gap_credit:
        lines.append(FeeLine(f"第{closed.cycle}期更换空档 {gap} 天不计费", -gap_credit, "credit"))
    if pause_credit:
        item = f"第{closed.cycle}期暂停服务 {unbilled - gap} 天不计费"
        lines.append(FeeLine(item, -pause_credit, "credit"))
    for line in replacement_trial_lines(terms, closed, closed.cycle_days - unbilled):
        room = cap - gap_credit - pause_credit
        amount = max(line.amount_fen, -room)
        if amount:
            lines.append(FeeLine(line.item, amount, line.kind))
    return lines


def billed_trial(terms: FeeTerms, cycle: int, trial_days: int | None) -> int:
    """How many trial days a cycle's prepaid charge counts (the contract's rule unless told)."""
    return trial_days if trial_days is not None else (terms.trial_days if cycle == 1 else 0)


def replacement_trial_lines(terms: FeeTerms, closed: ClosedCycle, billable_days: int) -> list[FeeLine]:
    """A replacement worker's trial days in a closed, prepaid cycle, re-priced at the trial rate: what its
    billable days cost with those days as trial days, less what they cost as billed."""
    if closed.new_trial_days <= 0 or billable_days <= 0:
        return []
    billed = billed_trial(terms, closed.cycle, closed.billed_trial_days)
    trial = min(billed + closed.new_trial_days, billable_days)
    if trial <= billed:
        return []
    as_billed = total(cycle_charge(terms, closed.cycle, closed.cycle_days, billable_days, billed))
    as_trial = total(cycle_charge(terms, closed.cycle, closed.cycle_days, billable_days, trial))
    item = (
        f"第{closed.cycle}期更换后试用期 {trial - billed} 天按日工资 {yuan(terms.daily_wage_fen)} 计"
        "（不收管理费，与已预付之差）"
    )
    return [FeeLine(item, as_trial - as_billed, "trial")] if as_trial != as_billed else []


def trial_days_within(
    trial_start: datetime | None, trial_days: int, period_start: datetime, period_end: datetime
) -> int:
    """The days of a trial period (``trial_days`` started days from ``trial_start``) that fall in a period,
    counted so that the parts in successive periods add up to exactly ``trial_days``."""
    if trial_start is None or trial_days <= 0:
        return 0
    trial_end = trial_start + timedelta(days=trial_days)

    def upto(moment: datetime) -> int:
        return min(trial_days, started(overlap_seconds(trial_start, trial_end, trial_start, moment), DAY))

    return max(upto(period_end) - upto(max(period_start, trial_start)), 0)


def late_interest_lines(terms: FeeTerms, items: list[LateItem]) -> list[FeeLine]:
    """Late-payment interest (contract: 万分之五 of the overdue amount a day, no cap is agreed): one line
    per late cycle, rounded once, half up to the fen."""
    lines = []
    for it in items:
        amount = late_interest(terms, it.overdue_fen, it.days)
        if amount > 0:
            rate = terms.late_interest_per_10000_per_day
            basis = f"{yuan(it.overdue_fen)} × 万分之{rate} × {it.days}"
            item = f"第{it.cycle}期逾期付款 {it.days} 天利息（{basis}）"
            lines.append(FeeLine(item, amount, "late_interest"))
    return lines


def cycle_fee_lines(
    terms: FeeTerms,
    cycle: int,
    cycle_days: int,
    previous: ClosedCycle | None = None,
    trial_days: int | None = None,
    late: list[LateItem] | None = None,
) -> list[FeeLine]:
    """The prepaid fee list at the start of a cycle: its charge (``trial_days``: a replacement's trial days
    falling in this cycle), the deposit with the first, what the previous cycle left (credits for unbilled
    days, a replacement's trial days re-priced, rest days worked) and late-payment interest. Never negative
    in total."""
    lines = cycle_charge(terms, cycle, cycle_days, cycle_days, trial_days)
    charge = total(lines)
    if cycle == 1 and terms.deposit_fen:
        lines.append(
            FeeLine("押金（合同终止时扣除应付费用及确认的赔偿后退还）", terms.deposit_fen, "deposit")
        )
    if previous is not None:
        lines += credit_lines(terms, previous, charge)
        lines += overtime_lines(terms, previous.overtime_days, f"第{previous.cycle}期")
    lines += late_interest_lines(terms, late or [])
    return lines


@dataclass(frozen=True)
class Settlement:
    """The final account of a cycle-billed order: what it owes, what it gets back, and how."""

    lines: list[FeeLine]
    service_refund_fen: int  # unserved prepaid fees given back
    deposit_refund_fen: int
    amount_due_fen: int  # still to pay (then nothing is refunded)
    claims_fen: int = 0  # damages taken from the deposit (at most the deposit)
    claims_excess_fen: int = 0  # damages agreed beyond the deposit: not taken, left to the parties

    @property
    def net_fen(self) -> int:
        """Positive: the customer pays; negative: the customer gets money back."""
        return total(self.lines)


@dataclass(frozen=True)
class Claim:
    """An agency's damage claim the customer accepted (or customer service decided): ``amount_fen``."""

    reason: str
    amount_fen: int


@dataclass(frozen=True)
class SettlementInput:
    cycle: int
    cycle_days: int
    served_days: int  # started days from the cycle's start to the end of service, less unbilled days
    current_paid: bool  # the current cycle's fee list was paid
    current_charge_fen: int  # its charge (trial, wage, management) — what was prepaid for the cycle
    current_carried_fen: int = 0  # its credits/overtime from the previous cycle (owed only if unpaid)
    overtime_days: int = 0  # rest days worked this cycle, not billed yet
    deposit_held_fen: int = 0
    deductions: list[FeeLine] = field(default_factory=list)  # liabilities (positive amounts)
    trial_days: int | None = None  # trial days among the served days (None: the contract's rule)
    late: list[LateItem] = field(default_factory=list)  # late cycle payments: interest owed
    claims: list[Claim] = field(default_factory=list)  # damages, taken from the deposit only


def claim_lines(claims: list[Claim], deposit_fen: int) -> tuple[list[FeeLine], int, int]:
    """Damages against the deposit, in filing order, each taken only while the deposit lasts (never
    below zero). Returns the lines (a note line of 0 for any excess), what was taken, and the excess."""
    lines: list[FeeLine] = []
    left, excess = deposit_fen, 0
    for claim in claims:
        taken = min(max(claim.amount_fen, 0), left)
        left -= taken
        excess += max(claim.amount_fen, 0) - taken
        if taken:
            lines.append(FeeLine(f"押金抵扣赔偿：{claim.reason}"[:120], taken, "claim"))
    if excess:
        note = (
            f"超出押金的赔偿 {yuan(excess)} 不从押金扣除，亦不由平台收取；"
            "由双方依合同争议解决条款协商、调解或仲裁"
        )
        lines.append(FeeLine(note, 0, "note"))
    return lines, deposit_fen - left, excess


def settle(terms: FeeTerms, inp: SettlementInput) -> Settlement:
    """End of service (at term or early): owed = served days of the cycle + unbilled overtime (+ what the
    unpaid current list carried) + late interest + liabilities; it is met first from the prepaid charge,
    then from the deposit; what is left of them is refunded, anything beyond them is due. Damages the
    customer accepted come out of the deposit only (capped at it), before anything else does."""
    trial = billed_trial(terms, inp.cycle, inp.trial_days)
    served = cycle_charge(terms, inp.cycle, inp.cycle_days, inp.served_days, trial)
    served_fen = total(served)
    lines = [
        FeeLine(f"第{inp.cycle}期实际服务 {min(max(inp.served_days, 0), inp.cycle_days)} 天应付", served_fen),
        *overtime_lines(terms, inp.overtime_days, f"第{inp.cycle}期"),
        *late_interest_lines(terms, inp.late),
        *inp.deductions,
    ]
    if not inp.current_paid and inp.current_carried_fen:
        lines.append(FeeLine("上期结转（未付）", inp.current_carried_fen, "credit"))
    owed = total(lines)
    damages, claimed, excess = claim_lines(inp.claims, inp.deposit_held_fen)
    lines += damages
    deposit = inp.deposit_held_fen - claimed  # what the deposit still holds for fees
    prepaid = inp.current_charge_fen if inp.current_paid else 0
    if prepaid:
        lines.append(FeeLine(f"第{inp.cycle}期已预付服务费", -prepaid, "prepaid"))
    if inp.deposit_held_fen:
        lines.append(FeeLine("押金抵扣/退还", -inp.deposit_held_fen, "deposit"))
    service_refund = max(prepaid - owed, 0)
    from_deposit = min(max(owed - prepaid, 0), deposit)
    return Settlement(
        lines=lines,
        service_refund_fen=service_refund,
        deposit_refund_fen=deposit - from_deposit,
        amount_due_fen=max(owed - prepaid - deposit, 0),
        claims_fen=claimed,
        claims_excess_fen=excess,
    )


def late_interest(terms: FeeTerms, overdue_fen: int, days: int) -> int:
    """Late-payment interest: 万分之五 (by default) of the overdue amount per day, rounded once."""
    return mul_div_round(overdue_fen * terms.late_interest_per_10000_per_day, max(days, 0), 10000)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def skip_penalty_fen(terms: FeeTerms) -> int:
    """The 跳单 penalty exactly as the contract prints it (违约责任): three months' management fee, or,
    for an item without one (hourly, per visit), twenty times the unit price, at least ¥1,000."""
    if terms.management_fee_fen:
        return terms.management_fee_fen * 3
    return max(terms.unit_price_fen * 20, 100000)
