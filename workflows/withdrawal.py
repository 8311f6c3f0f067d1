"""A worker withdrawn by the 安心码 sync while her cycle-billed service runs leaves the home at once,
part of OrderWorkflow (review finding 3).

The signal handler turns the withdrawal into the model contract's replacement. While the cycle loop waits
for something else — a fee list to be confirmed or paid, a dispute to be resolved, for days — she is
released at once and the unbilled gap opens (``withdrawal-release-now``); the fee list's collection goes
on, and the re-matching runs when the loop gets to the replacement (workflows/service_cycle.py). A pause
the customer asked for that had not begun yet never begins (``withdrawal-drops-pause``, finding 7): the
gap starts now, and no day is credited twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.orders import OrderView, ReplacementInput
    from workflows import order_rules as rules

RELEASE_PATCH = "withdrawal-release-now"  # a withdrawn worker is released whatever the order waits for
PAUSE_DROP_PATCH = "withdrawal-drops-pause"  # a queued pause never begins once she is withdrawn
WITHDRAWN = "worker_withdrawn:"  # the reason of the replacement a withdrawal starts
SERVING_WAITS = ("in_service", "paused")  # there the cycle loop runs the whole replacement itself


class WithdrawalAtOnce:
    if TYPE_CHECKING:
        _view: OrderView
        _inbox: rules.Inbox

        async def _worker_leaves(self, step: ReplacementInput) -> None: ...

    def _release_due(self, action: str) -> bool:
        """A withdrawn worker still in the home while the order waits for ``action`` (not her service)."""
        box, service = self._inbox, self._view.service
        step = box.replacement
        return (
            box.release_now
            and action not in SERVING_WAITS
            and step is not None
            and step.reason.startswith(WITHDRAWN)
            and service is not None
            and not service.replacing
            and self._view.worker_id is not None
        )

    async def _release_at_once(self) -> None:
        """She goes now; the replacement stays queued for the cycle loop, which re-matches."""
        step = self._inbox.replacement
        assert step is not None
        self._inbox.release_now = False
        await self._worker_leaves(step)
