"""Merge the market, platforms and money branches into one head.

Revision ID: 0005_merge
Revises: 0002_market, 0003_platforms, 0004_money
"""

from collections.abc import Sequence

revision: str = "0005_merge"
down_revision: str | Sequence[str] | None = ("0002_market", "0003_platforms", "0004_money")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
