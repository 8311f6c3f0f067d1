"""Money is integer fen (1 元 = 100 分) everywhere; floats never hold an amount."""

from __future__ import annotations


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def mul_div_round(amount_fen: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded half up to the fen (for non-negative inputs)."""
    return (2 * amount_fen * numerator + denominator) // (2 * denominator)
