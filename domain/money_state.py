"""What a cycle-billed order carries for its money beyond the fee lists (issue 5, docs/money.md): damage
claims against the deposit, a replacement worker's trial period, late payments waiting to be charged,
and an unpaid debt. Plain data: it crosses Temporal inside the order's view (no personal data).

No ``from __future__ import annotations`` here: the types are resolved when the class is made, so the
workflow sandbox (which does not see this module) can still decode the view."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class LateItem:
    """A cycle's payment made (or still missing) after its due date: the amount and the started days."""

    cycle: int
    overdue_fen: int
    days: int


FINAL_CLAIM_STATES = ("accepted", "resolved", "lapsed")
AGREED_CLAIM_STATES = ("accepted", "resolved")


@dataclass
class ClaimView:
    """A damage claim as the workflow knows it (the text is in the database)."""

    claim_id: str
    amount_fen: int
    status: str = "filed"  # filed | accepted | disputed | resolved | lapsed
    agreed_fen: int = 0  # accepted: the claimed amount; resolved: what customer service decided


@dataclass
class MoneyState:
    claims: list[ClaimView] = field(default_factory=list)
    claims_closed: bool = False  # the settlement is under way: no new claims
    trial_started_at: datetime | None = None  # a replacement worker's check-in: her trial period starts
    trial_days: int = 0  # the contract's trial days (a replacement's trial lasts as long)
    earlier_trial_days: int = 0  # this cycle's trial days of a replacement another replacement replaced
    billed_trial_days: int | None = None  # trial days the current cycle's prepaid list billed
    previous_billed_trial_days: int | None = None  # the same, of the previous cycle
    previous_new_trial_days: int = 0  # a replacement's trial days that began in the previous cycle
    confirmed_at: datetime | None = None  # the current list was confirmed (payment due 7 days later)
    late: list[LateItem] = field(default_factory=list)  # late payments whose interest is not charged yet
    debt_fen: int = 0  # what the settlement still asked for when the order closed unpaid


def lapse_open_claims(money: MoneyState) -> None:
    """The settlement is made: claims not answered or decided by then lapse (nothing is deducted for them),
    in the workflow's view as in the database, so no answer or decision is taken for them afterwards."""
    for claim in money.claims:
        if claim.status not in FINAL_CLAIM_STATES:
            claim.status = "lapsed"
