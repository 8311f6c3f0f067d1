"""Money is integer fen (1 元 = 100 分) everywhere; floats never hold an amount.

Rounding (docs/money.md): every computed line is rounded **once**, half up to the fen, from exact integer
arithmetic (``mul_div_round``); a total is the plain sum of its lines, so a fee list always adds up.
Refunds are allocated whole fen by whole fen and never exceed what a payment still holds.
"""

from __future__ import annotations

from dataclasses import dataclass


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def mul_div_round(amount_fen: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded half up to the fen (for non-negative inputs)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return (2 * amount_fen * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Refundable:
    """A payment that may give money back: what was paid, and what was already refunded."""

    payment_id: str
    amount_fen: int
    refunded_fen: int = 0

    @property
    def remaining_fen(self) -> int:
        return max(self.amount_fen - self.refunded_fen, 0)


class RefundTooLarge(ValueError):
    """More was asked back than the payments still hold."""


def allocate_refund(
    amount_fen: int, payments: list[Refundable], prefer: str | None = None
) -> list[tuple[str, int]]:
    """Split a refund over payments: the preferred payment first (the one the money was paid with), then
    the newest first. Each share is at most what that payment still holds; the shares add up exactly."""
    if amount_fen < 0:
        raise ValueError("a refund is never negative")
    if amount_fen > sum(p.remaining_fen for p in payments):
        raise RefundTooLarge(f"refund of {amount_fen} fen exceeds what the payments hold")
    ordered = sorted(payments, key=lambda p: p.payment_id != prefer)  # stable: newest-first order kept
    shares: list[tuple[str, int]] = []
    left = amount_fen
    for payment in ordered:
        if left == 0:
            break
        share = min(left, payment.remaining_fen)
        if share > 0:
            shares.append((payment.payment_id, share))
            left -= share
    return shares
