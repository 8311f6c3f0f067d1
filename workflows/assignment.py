"""Who serves the order, part of OrderWorkflow: the worker's own signature in 中介制 orders and what
happens when the 安心码 sync withdraws a worker (issue 5 / issue 4).

- 中介制 (three-party) orders: the confirmed worker (丙方) e-signs her assignment annex — and by it the
  three-party contract — through the e-signature platform before her service can start; the platform's
  webhook completes the flow and the signed PDF is checked and kept. Not signed by the deadline: she is
  released, the annex voided, and the order matches again (``worker-signs-annex``).
- A worker withdrawn by the 安心码 sync (a signal, ``worker-withdrawal``) before her service starts is
  released and the order matches again; once a cycle-billed order's service runs, the handler turns the
  withdrawal into the model contract's replacement (workflows/service_cycle.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import AnnexRequest, Contracts, SignatureRequest, SignedContract
    from domain.orders import SYSTEM_ACTOR, Actor, AnnexView, OrderInput, OrderView, Role, Stage
    from workflows import order_rules as rules
    from workflows.policies import VENDOR

WORKER_SIGNS_PATCH = "worker-signs-annex"  # 中介制: the worker (丙方) e-signs her annex before service

Detail = str | int | bool | None


class AssignmentSteps:
    if TYPE_CHECKING:
        _in: OrderInput
        _view: OrderView
        _inbox: rules.Inbox

        async def _wait(
            self, action: str, party: Role, seconds: float | None, done: Callable[[], bool]
        ) -> bool: ...
        async def _record(self, event: str, actor: Actor, **detail: Detail) -> None: ...
        async def _enter(self, stage: Stage, **detail: Detail) -> None: ...
        async def _notify(
            self, role: Role, party_id: str, template: str, room_id: str | None = None
        ) -> None: ...
        async def _release(self, worker_id: str, reason: str) -> None: ...
        async def _matching_and_interview(self) -> bool: ...

    async def _worker_signs_annex(self, worker_id: str) -> bool:
        """中介制 (B-7.3.2, all parties e-sign): the annex naming the worker, sealed by the agency, goes to
        the e-signature platform for her signature — by which she signs the three-party contract as 丙方.
        She signs over the API, the platform's webhook completes the flow, the signed PDF is checked and
        kept. Not signed by the deadline (or withdrawn meanwhile): the annex is voided, she is released
        and not proposed again. False: match again."""
        number = len(self._view.annexes) + 1
        annex = await workflow.execute_activity_method(
            Contracts.create_annex, AnnexRequest(self._in.order_id, worker_id, number, True), **VENDOR
        )
        self._view.annexes.append(annex)
        await self._record(
            "annex_sent_for_signature", SYSTEM_ACTOR, number=number, sha256=annex.document_sha256
        )
        await self._notify(Role.WORKER, worker_id, "annex_ready_to_sign")
        deadline = workflow.now() + timedelta(seconds=self._in.deadlines.annex_signing)
        box = self._inbox
        while annex.signed_document_sha256 is None:
            remaining = (deadline - workflow.now()).total_seconds()
            progressed = remaining > 0 and await self._wait(
                "sign_annex",
                Role.SYSTEM if Role.WORKER in annex.signed_by else Role.WORKER,
                remaining,
                lambda: bool(box.annex_signature or box.annex_event or self._withdrawn(worker_id)),
            )
            if self._withdrawn(worker_id) or not progressed:
                await self._drop_unsigned(annex, "worker_withdrawn" if progressed else "annex_not_signed")
                return False
            if box.annex_signature is not None:
                signer, box.annex_signature = box.annex_signature, None
                await workflow.execute_activity_method(
                    Contracts.sign_contract,
                    SignatureRequest(annex.contract_id, annex.flow_id, Role.WORKER),
                    **VENDOR,
                )
                annex.signed_by.append(Role.WORKER)
                await self._record("annex_signed_by", signer, party=Role.WORKER.value, number=number)
            event = box.annex_event
            if event is not None and Role.WORKER in annex.signed_by:
                box.annex_event = None
                await workflow.execute_activity_method(
                    Contracts.confirm_signed,
                    SignedContract(
                        annex.contract_id,
                        annex.flow_id,
                        event.signed_document_sha256,
                        event.certificate_sha256,
                    ),
                    **VENDOR,
                )
                annex.signed_document_sha256 = event.signed_document_sha256
                await self._record(
                    "annex_signed", SYSTEM_ACTOR, number=number, signed_sha256=event.signed_document_sha256
                )
        return True

    async def _drop_unsigned(self, annex: AnnexView, reason: str) -> None:
        """The worker did not sign her annex in time, or was withdrawn: void it, release her."""
        await workflow.execute_activity_method(Contracts.void_annex, annex.contract_id, **VENDOR)
        annex.voided = True
        self._view.worker_id = None
        await self._record(reason, SYSTEM_ACTOR, worker=annex.worker_id, number=annex.number)
        await self._release(annex.worker_id, reason)
        self._view.rejected_worker_ids.append(annex.worker_id)
        await self._worker_gone_notices(annex.worker_id)

    def _withdrawn(self, worker_id: str | None) -> bool:
        """Has the 安心码 sync withdrawn this worker from the order (before her service started)?"""
        return worker_id is not None and worker_id in self._inbox.withdrawals

    async def _worker_gone_notices(self, worker_id: str) -> None:
        assert self._view.agency_id is not None
        await self._notify(Role.AGENCY, self._view.agency_id, "worker_released")
        await self._notify(Role.CUSTOMER, self._in.customer_id, "worker_released")
        await self._notify(Role.WORKER, worker_id, "assignment_withdrawn")

    async def _rematch_before_start(self) -> None:
        """The 安心码 sync withdrew the confirmed worker before she checked in: she is released and not
        proposed again; the agency proposes others, the customer chooses, a new annex names her."""
        worker_id, stage = self._view.worker_id, self._view.stage
        assert worker_id is not None
        withdrawal = self._inbox.withdrawals[worker_id]
        self._view.worker_id = None
        await self._record("worker_withdrawn", SYSTEM_ACTOR, worker=worker_id, reason=withdrawal.reason)
        await self._release(worker_id, "worker_withdrawn")
        self._view.rejected_worker_ids.append(worker_id)
        await self._worker_gone_notices(worker_id)
        while not await self._matching_and_interview():
            pass
        await self._enter(stage)
        assert self._view.worker_id is not None
        await self._notify(Role.WORKER, self._view.worker_id, "service_scheduled")
