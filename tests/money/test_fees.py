"""Fee lists for every price model, and their invariants as properties (hypothesis): totals add up, credits
never exceed what was charged, refunds never exceed payments, pro-rating stays within its bounds."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities.settlement import plan_from_lines
from domain.catalogue import PriceModel
from domain.fees import (
    Claim,
    ClosedCycle,
    FeeTerms,
    SettlementInput,
    add_months,
    as_rows,
    credit_lines,
    cycle_charge,
    cycle_fee_lines,
    cycle_period,
    days_in,
    hourly_lines,
    late_interest,
    settle,
    single_visit_lines,
    skip_penalty_fen,
    total,
    trial_days_within,
    unbilled_days,
)
from domain.money import Refundable, RefundTooLarge, allocate_refund, mul_div_round, yuan
from domain.money_state import LateItem

HOURLY = FeeTerms(PriceModel.HOURLY, 4500, min_hours=4)
VISIT = FeeTerms(PriceModel.PER_VISIT, 12000)
LIVE_IN = FeeTerms(PriceModel.MONTHLY, 650000, management_fee_fen=80000, trial_days=7, deposit_fen=100000)
MATERNITY = FeeTerms(PriceModel.CYCLE_26_DAYS, 1380000, management_fee_fen=150000, deposit_fen=200000)
# a Tuesday afternoon in Beijing (06:00 UTC = 14:00 +08:00), not a holiday
TUESDAY = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)

fen = st.integers(min_value=0, max_value=5_000_000)
cyclic_terms = st.builds(
    FeeTerms,
    price_model=st.sampled_from([PriceModel.MONTHLY, PriceModel.CYCLE_26_DAYS]),
    unit_price_fen=st.integers(min_value=100_000, max_value=3_000_000),
    management_fee_fen=st.integers(min_value=0, max_value=300_000),
    trial_days=st.integers(min_value=0, max_value=10),
    deposit_fen=st.integers(min_value=0, max_value=500_000),
)


# ------------------------------------------------------------------ examples, one per price model


def test_hourly_bills_the_minimum_then_overtime_in_started_half_hours() -> None:
    lines = hourly_lines(HOURLY, TUESDAY, TUESDAY + timedelta(hours=2), booked_hours=3)
    assert [ln.amount_fen for ln in lines] == [18000]  # 4-hour minimum × ¥45
    lines = hourly_lines(HOURLY, TUESDAY, TUESDAY + timedelta(hours=4, minutes=31), booked_hours=4)
    assert [(ln.kind, ln.amount_fen) for ln in lines] == [
        ("service", 18000),
        ("overtime", 6750),
    ]  # 1 h at 150%


def test_hourly_night_and_holiday_surcharges() -> None:
    night_start = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 21:00 in Beijing
    lines = hourly_lines(HOURLY, night_start, night_start + timedelta(hours=4), booked_hours=4)
    assert [ln.amount_fen for ln in lines if ln.kind == "surcharge"] == [6750]  # 3 night hours × 50%
    national_day = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)  # 09:00 on 国庆
    lines = hourly_lines(HOURLY, national_day, national_day + timedelta(hours=4), booked_hours=4)
    assert [ln.amount_fen for ln in lines if ln.kind == "surcharge"] == [18000]  # 4 hours × 100%


def test_per_visit_is_one_price_with_a_holiday_surcharge() -> None:
    assert total(single_visit_lines(VISIT, TUESDAY, TUESDAY + timedelta(hours=3), 0)) == 12000
    new_year = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    assert total(single_visit_lines(VISIT, new_year, new_year + timedelta(hours=3), 0)) == 24000


def test_monthly_first_cycle_has_trial_days_and_the_deposit() -> None:
    lines = cycle_fee_lines(LIVE_IN, 1, 31)
    kinds = {ln.kind: ln.amount_fen for ln in lines}
    assert kinds["trial"] == 7 * mul_div_round(650000, 1, 26) == 7 * 25000
    assert kinds["service"] == mul_div_round(650000, 24, 31)
    assert kinds["management"] == mul_div_round(80000, 24, 31)
    assert kinds["deposit"] == 100000
    assert total(lines) == sum(kinds.values())


def test_monthly_later_cycles_are_wage_plus_fee_with_last_cycles_credits_and_overtime() -> None:
    lines = cycle_fee_lines(LIVE_IN, 2, 30, ClosedCycle(1, 31, gap_days=3, pause_days=2, overtime_days=1))
    assert total(lines[:2]) == 650000 + 80000
    credits = [ln for ln in lines if ln.kind == "credit"]
    assert len(credits) == 2 and all(c.amount_fen < 0 for c in credits)
    assert [ln.amount_fen for ln in lines if ln.kind == "overtime"] == [50000]  # 2 × ¥6,500 / 26


def test_a_maternity_cycle_is_26_days() -> None:
    start = TUESDAY
    assert cycle_period(PriceModel.CYCLE_26_DAYS, start, 2) == (
        start + timedelta(days=26),
        start + timedelta(days=52),
    )
    assert total(cycle_fee_lines(MATERNITY, 1, 26)) == 1380000 + 150000 + 200000


def test_settlement_of_an_early_termination() -> None:
    charge = total(cycle_charge(LIVE_IN, 2, 30, 30))
    result = settle(LIVE_IN, SettlementInput(2, 30, 10, True, charge, deposit_held_fen=100000))
    served = total(cycle_charge(LIVE_IN, 2, 30, 10))
    assert result.service_refund_fen == charge - served
    assert result.deposit_refund_fen == 100000 and result.amount_due_fen == 0
    assert result.net_fen == -(result.service_refund_fen + result.deposit_refund_fen)


def test_unpaid_liabilities_are_taken_from_the_deposit_then_due() -> None:
    result = settle(LIVE_IN, SettlementInput(3, 30, 5, False, 730000, deposit_held_fen=100000))
    served = total(cycle_charge(LIVE_IN, 3, 30, 5))
    assert result.deposit_refund_fen == 0 and result.amount_due_fen == served - 100000


def test_late_interest_is_five_in_ten_thousand_a_day() -> None:
    assert late_interest(LIVE_IN, 730000, 10) == 3650


def test_money_is_printed_in_yuan() -> None:
    assert yuan(1234567) == "¥12,345.67" and yuan(-5) == "-¥0.05"


# ------------------------------------------------------------------ properties


@given(amount=fen, num=st.integers(0, 10_000), den=st.integers(1, 10_000))
def test_mul_div_round_is_exact_half_up(amount: int, num: int, den: int) -> None:
    exact = Fraction(amount * num, den)
    assert mul_div_round(amount, num, den) == int(exact + Fraction(1, 2))


@given(
    rate=st.integers(1000, 20000),
    min_hours=st.integers(0, 6),
    booked=st.integers(0, 12),
    start_minutes=st.integers(0, 60 * 24 * 400),
    worked_minutes=st.integers(0, 60 * 14),
)
def test_hourly_totals_add_up_and_never_fall_below_the_booking(
    rate: int, min_hours: int, booked: int, start_minutes: int, worked_minutes: int
) -> None:
    terms = FeeTerms(PriceModel.HOURLY, rate, min_hours=min_hours)
    start = TUESDAY + timedelta(minutes=start_minutes)
    lines = hourly_lines(terms, start, start + timedelta(minutes=worked_minutes), booked)
    assert total(lines) == sum(ln.amount_fen for ln in lines)
    assert all(ln.amount_fen >= 0 for ln in lines)
    assert lines[0].amount_fen == mul_div_round(
        rate, 2 * max(booked, min_hours) or -(-worked_minutes // 30), 2
    )
    longer = hourly_lines(terms, start, start + timedelta(minutes=worked_minutes + 30), booked)
    assert total(longer) >= total(lines)  # working longer never costs less


@given(terms=cyclic_terms, cycle=st.integers(1, 12), cycle_days=st.integers(26, 31), data=st.data())
def test_pro_rating_is_monotonic_and_bounded(
    terms: FeeTerms, cycle: int, cycle_days: int, data: st.DataObject
) -> None:
    a = data.draw(st.integers(0, cycle_days))
    b = data.draw(st.integers(a, cycle_days))
    low, high = (
        total(cycle_charge(terms, cycle, cycle_days, a)),
        total(cycle_charge(terms, cycle, cycle_days, b)),
    )
    assert 0 <= low <= high
    if cycle > 1 or terms.trial_days == 0:
        assert total(cycle_charge(terms, cycle, cycle_days, cycle_days)) == (
            terms.unit_price_fen + terms.management_fee_fen
        )
    assert total(cycle_charge(terms, cycle, cycle_days, 0)) == 0


@given(
    terms=cyclic_terms,
    prev_days=st.integers(26, 31),
    gap=st.integers(0, 40),
    pause=st.integers(0, 40),
    overtime=st.integers(0, 8),
    days=st.integers(26, 31),
)
def test_credits_never_exceed_the_cycle_and_a_list_is_never_negative(
    terms: FeeTerms, prev_days: int, gap: int, pause: int, overtime: int, days: int
) -> None:
    closed = ClosedCycle(1, prev_days, gap, pause, overtime)
    credit = -total(credit_lines(terms, closed))
    assert 0 <= credit <= total(cycle_charge(terms, 1, prev_days, prev_days))
    lines = cycle_fee_lines(terms, 2, days, closed)
    assert total(lines) == sum(ln.amount_fen for ln in lines) >= 0


@given(
    terms=cyclic_terms,
    cycle=st.integers(1, 12),
    cycle_days=st.integers(26, 31),
    served=st.integers(0, 31),
    paid=st.booleans(),
    carried=st.integers(-500_000, 200_000),
    overtime=st.integers(0, 8),
)
def test_settlement_refunds_never_exceed_what_was_paid(
    terms: FeeTerms, cycle: int, cycle_days: int, served: int, paid: bool, carried: int, overtime: int
) -> None:
    charge = total(cycle_charge(terms, cycle, cycle_days, cycle_days))
    deposit = terms.deposit_fen
    inp = SettlementInput(cycle, cycle_days, served, paid, charge, carried, overtime, deposit)
    result = settle(terms, inp)
    prepaid = charge if paid else 0
    assert result.service_refund_fen >= 0 and result.deposit_refund_fen >= 0 and result.amount_due_fen >= 0
    assert result.deposit_refund_fen <= deposit
    assert result.service_refund_fen <= prepaid + max(-carried, 0)  # credits come from earlier payments
    assert not (result.amount_due_fen and (result.service_refund_fen or result.deposit_refund_fen))
    assert result.amount_due_fen - result.service_refund_fen - result.deposit_refund_fen == result.net_fen


@given(
    payments=st.lists(st.tuples(fen, fen), min_size=1, max_size=6),
    share=st.floats(0, 1),
    prefer=st.integers(0, 6),
)
def test_refund_allocation_adds_up_and_respects_each_payment(
    payments: list[tuple[int, int]], share: float, prefer: int
) -> None:
    refundables = [Refundable(f"p{i}", a + r, min(r, a + r)) for i, (a, r) in enumerate(payments)]
    available = sum(p.remaining_fen for p in refundables)
    amount = int(available * share)
    shares = allocate_refund(amount, refundables, prefer=f"p{prefer}")
    assert sum(s for _, s in shares) == amount
    remaining = {p.payment_id: p.remaining_fen for p in refundables}
    assert all(0 < s <= remaining[pid] for pid, s in shares)
    assert len({pid for pid, _ in shares}) == len(shares)
    with pytest.raises(RefundTooLarge):
        allocate_refund(available + 1, refundables)


@given(start_days=st.integers(0, 3650), months=st.integers(1, 24))
def test_monthly_cycles_are_contiguous_calendar_months(start_days: int, months: int) -> None:
    start = datetime(2026, 1, 31, 8, tzinfo=UTC) + timedelta(days=start_days)
    periods = [cycle_period(PriceModel.MONTHLY, start, c) for c in range(1, months + 1)]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(periods))
    assert all(28 <= days_in(p0, p1) <= 31 for p0, p1 in periods)
    assert periods[-1][1] == add_months(start, months)


@given(
    offsets=st.lists(st.tuples(st.integers(0, 40 * 24), st.integers(0, 10 * 24)), max_size=5),
)
def test_unbilled_days_are_capped_at_the_cycle(offsets: list[tuple[int, int]]) -> None:
    start, end = TUESDAY, TUESDAY + timedelta(days=30)
    spans = [(start + timedelta(hours=a), start + timedelta(hours=a + b)) for a, b in offsets]
    assert 0 <= unbilled_days(spans, start, end) <= 30


# ------------------------------------------------------------------ replacement trial, claims, late interest


def test_a_replacement_trial_is_repriced_on_the_next_list() -> None:
    # cycle 2 of a live-in order (30 days): a 3-day gap, then the new worker's 7 trial days
    closed = ClosedCycle(2, 30, gap_days=3, billed_trial_days=0, new_trial_days=7)
    lines = credit_lines(LIVE_IN, closed)
    trial = next(ln for ln in lines if ln.kind == "trial")
    as_trial = 7 * 25000 + mul_div_round(650000, 20, 30) + mul_div_round(80000, 20, 30)
    as_billed = mul_div_round(650000, 27, 30) + mul_div_round(80000, 27, 30)
    assert "更换后试用期 7 天" in trial.item and trial.amount_fen == as_trial - as_billed
    assert any("更换空档 3 天" in ln.item for ln in lines)


def test_trial_days_carried_into_the_next_cycle_are_billed_as_trial_days() -> None:
    lines = cycle_fee_lines(MATERNITY, 2, 26, trial_days=2)
    daily = mul_div_round(1380000, 1, 26)
    assert [(ln.kind, ln.amount_fen) for ln in lines[:2]] == [
        ("trial", 2 * daily),
        ("service", 1380000 * 24 // 26),
    ]
    assert lines[2].amount_fen == mul_div_round(150000, 24, 26)


def test_a_trial_split_over_two_cycles_adds_up() -> None:
    start = TUESDAY + timedelta(days=24, hours=5)
    end1 = TUESDAY + timedelta(days=26)
    first = trial_days_within(start, 3, TUESDAY, end1)
    second = trial_days_within(start, 3, end1, end1 + timedelta(days=26))
    assert (first, second) == (2, 1)


def test_claims_come_out_of_the_deposit_only_and_the_excess_is_noted() -> None:
    charge = total(cycle_charge(LIVE_IN, 2, 30, 30))
    claims = [Claim("打碎花瓶", 30000), Claim("烫坏地板", 150000)]
    result = settle(LIVE_IN, SettlementInput(2, 30, 10, True, charge, deposit_held_fen=100000, claims=claims))
    served = total(cycle_charge(LIVE_IN, 2, 30, 10))
    assert result.service_refund_fen == charge - served  # unserved fees are not touched by damages
    assert (
        result.deposit_refund_fen == 0 and result.claims_fen == 100000 and result.claims_excess_fen == 80000
    )
    assert [ln.amount_fen for ln in result.lines if ln.kind == "claim"] == [30000, 70000]
    note = next(ln for ln in result.lines if ln.kind == "note")
    assert note.amount_fen == 0 and "¥800.00" in note.item
    assert plan_from_lines(as_rows(result.lines)) == (result.service_refund_fen, 0, 0)


def test_late_interest_lines_and_the_skip_penalty() -> None:
    lines = cycle_fee_lines(LIVE_IN, 3, 31, late=[LateItem(2, 730000, 3)])
    interest = [ln for ln in lines if ln.kind == "late_interest"]
    assert [ln.amount_fen for ln in interest] == [1095] and "逾期付款 3 天" in interest[0].item
    assert skip_penalty_fen(LIVE_IN) == 240000  # three months' management fee
    assert (
        skip_penalty_fen(HOURLY) == 100000 and skip_penalty_fen(FeeTerms(PriceModel.HOURLY, 6000)) == 120000
    )


claims_st = st.lists(st.builds(Claim, st.just("x"), st.integers(0, 400_000)), max_size=4)
late_st = st.lists(st.builds(LateItem, st.integers(1, 12), fen, st.integers(0, 14)), max_size=2)


@given(
    terms=cyclic_terms,
    cycle=st.integers(1, 12),
    cycle_days=st.integers(26, 31),
    served=st.integers(0, 31),
    paid=st.booleans(),
    carried=st.integers(-500_000, 200_000),
    trial=st.one_of(st.none(), st.integers(0, 10)),
    claims=claims_st,
    late=late_st,
)
def test_settlements_with_claims_trial_and_interest_keep_every_invariant(
    terms: FeeTerms,
    cycle: int,
    cycle_days: int,
    served: int,
    paid: bool,
    carried: int,
    trial: int | None,
    claims: list[Claim],
    late: list[LateItem],
) -> None:
    charge = total(cycle_charge(terms, cycle, cycle_days, cycle_days))
    deposit = terms.deposit_fen
    inp = SettlementInput(
        cycle,
        cycle_days,
        served,
        paid,
        charge,
        carried,
        0,
        deposit,
        trial_days=trial,
        late=late,
        claims=claims,
    )
    result = settle(terms, inp)
    prepaid = charge if paid else 0
    claimed = sum(c.amount_fen for c in claims)
    # refunds never exceed payments; the deposit refund is never negative and never above deposit − claims
    assert result.service_refund_fen >= 0 and result.deposit_refund_fen >= 0 and result.amount_due_fen >= 0
    assert result.service_refund_fen <= prepaid + max(-carried, 0)
    assert result.claims_fen == min(claimed, deposit)
    assert result.claims_excess_fen == claimed - result.claims_fen
    assert result.deposit_refund_fen <= deposit - result.claims_fen
    assert result.service_refund_fen + result.deposit_refund_fen <= prepaid + max(-carried, 0) + deposit
    # totals add up, and the stored plan (recomputed from the lines) is the same plan
    assert result.net_fen == sum(ln.amount_fen for ln in result.lines)
    assert result.amount_due_fen - result.service_refund_fen - result.deposit_refund_fen == result.net_fen
    assert plan_from_lines(as_rows(result.lines)) == (
        result.service_refund_fen,
        result.deposit_refund_fen,
        result.amount_due_fen,
    )


@given(
    terms=cyclic_terms,
    prev_days=st.integers(26, 31),
    gap=st.integers(0, 40),
    pause=st.integers(0, 40),
    billed=st.one_of(st.none(), st.integers(0, 10)),
    new_trial=st.integers(0, 10),
    carried_trial=st.one_of(st.none(), st.integers(0, 10)),
    days=st.integers(26, 31),
    late=late_st,
)
def test_lists_with_a_replacement_trial_are_never_negative_and_add_up(
    terms: FeeTerms,
    prev_days: int,
    gap: int,
    pause: int,
    billed: int | None,
    new_trial: int,
    carried_trial: int | None,
    days: int,
    late: list[LateItem],
) -> None:
    closed = ClosedCycle(1, prev_days, gap, pause, 0, billed, new_trial)
    lines = cycle_fee_lines(terms, 2, days, closed, carried_trial, late)
    assert total(lines) == sum(ln.amount_fen for ln in lines) >= 0
    charge = total(cycle_charge(terms, 2, days, days, carried_trial))
    credits = -sum(ln.amount_fen for ln in lines if ln.amount_fen < 0)
    assert credits <= charge  # a credit never exceeds what the list charges


@given(start=st.integers(0, 40 * 24), trial=st.integers(0, 10), cut=st.integers(0, 40 * 24))
def test_trial_days_split_anywhere_add_up_to_the_trial(start: int, trial: int, cut: int) -> None:
    t0 = TUESDAY + timedelta(hours=start)
    a, b, c = TUESDAY, TUESDAY + timedelta(hours=cut), TUESDAY + timedelta(days=80)
    if b < t0:
        b = t0
    assert trial_days_within(t0, trial, a, b) + trial_days_within(t0, trial, b, c) == trial
