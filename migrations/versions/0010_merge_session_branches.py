"""Merge the web-session, market-security and money-claims branches into one head.

Revision ID: 0010_merge
Revises: 0006_web_sessions, 0007_market_security, 0009_money_claims
"""

from collections.abc import Sequence

revision: str = "0010_merge"
down_revision: str | Sequence[str] | None = ("0006_web_sessions", "0007_market_security", "0009_money_claims")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
