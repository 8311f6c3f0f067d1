"""The human steps on damage claims against the deposit (updates of OrderWorkflow, workflows/claims.py).
Plain data: it crosses Temporal (no personal data; the reason text goes to the database).

No ``from __future__ import annotations``: the workflow sandbox decodes these without seeing this module."""

from dataclasses import dataclass

from domain.orders import Actor


@dataclass(frozen=True)
class FileClaimInput:
    """The agency claims damages against the deposit."""

    actor: Actor
    claim_id: str
    amount_fen: int
    reason: str


@dataclass(frozen=True)
class AnswerClaimInput:
    """The customer accepts a claim (taken from the deposit) or disputes it (customer service decides)."""

    actor: Actor
    claim_id: str
    accept: bool
    note: str = ""


@dataclass(frozen=True)
class ResolveClaimInput:
    """Customer service decides a disputed claim: ``amount_fen`` (0 to the claimed amount) is owed."""

    actor: Actor
    claim_id: str
    amount_fen: int
    note: str
