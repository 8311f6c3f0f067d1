"""A vendor event that overtakes our own bookkeeping (the payment or contract not yet recorded in the
workflow) is kept and applied once the object exists, not lost — its id is already marked as received by
the webhook route, so the vendor's redelivery would be acknowledged as a duplicate."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.catalogue import ServiceCategory, ServiceMode
from domain.orders import (
    SYSTEM_ACTOR,
    ContractSigned,
    ContractView,
    OrderInput,
    OrderView,
    PaymentEvent,
    PaymentView,
    Role,
)
from workflows import order_rules as rules
from workflows.order_handlers import OrderHandlers


class Handlers(OrderHandlers):
    def __init__(self) -> None:
        self._in = OrderInput(
            "o",
            "c",
            ServiceCategory.HOURLY,
            ServiceMode.HOURLY,
            "330100",
            "330106",
            datetime.now(UTC),
            SYSTEM_ACTOR,
        )
        self._view = OrderView(order_id="o")
        self._inbox = rules.Inbox()


def test_an_early_payment_event_is_applied_when_the_payment_is_recorded() -> None:
    h = Handlers()
    h.payment_event(PaymentEvent("evt_1", "payment.succeeded", "pay_1", 18000))
    assert len(h._inbox.early_events) == 1
    h._view.payment = PaymentView("pay_1", 18000)
    h._deliver_early_events()
    assert h._view.payment.status == "succeeded" and not h._inbox.early_events
    h.payment_event(PaymentEvent("evt_1", "payment.succeeded", "pay_1", 18000))  # a redelivery: no effect
    assert not h._inbox.early_events


def test_an_early_contract_event_is_applied_when_the_contract_is_recorded() -> None:
    h = Handlers()
    event = ContractSigned("flow_1", "evt_2", "a" * 64, "b" * 64)
    h.contract_signed(event)
    h._view.contract = ContractView("k", "flow_1", "c" * 64, [Role.CUSTOMER, Role.AGENCY])
    h._deliver_early_events()
    assert h._inbox.contract_event == event


def test_an_event_for_another_payment_is_dropped_not_kept() -> None:
    h = Handlers()
    h._view.payment = PaymentView("pay_2", 100)
    h.payment_event(PaymentEvent("evt_3", "payment.succeeded", "pay_other", 100))
    assert h._view.payment.status == "pending" and not h._inbox.early_events
