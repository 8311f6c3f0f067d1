"""Printable documents of an hourly order over the API: the contract (three-party for a 中介制 agency) with
an embedded CJK font whose Chinese text extracts intact, the assignment annex, the fee list and the invoice
copy; who may download them (404 for anyone else); tampering detected; a page rendered to PNG."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Replayer

from db.engine import session_scope
from db.models import Contract, Document
from documents.pdf import render_text, text_to_pdf
from scripts.order_journey import WORKER_TOKENS, OrderJourney, hourly_demand
from temporal_support.client import converter
from tests.support.orders import journey, outcome
from tests.support.stack import Stack, platform_settings
from workflows.order import ANNEX_PATCH, OrderWorkflow

HISTORIES = Path(__file__).parents[1] / "workflows" / "histories"
POPPLER = all(shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdftoppm"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdffonts, pdftotext, pdftoppm) missing"
)


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool (by its full path) and return what it printed."""
    exe = shutil.which(tool)
    assert exe is not None
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout  # noqa: S603


async def pdftotext(path: Path) -> str:
    return await asyncio.to_thread(poppler, "pdftotext", str(path), "-")


async def completed_order(stack: Stack, agency: str) -> OrderJourney:
    j = journey(stack, agency=agency)
    await j.run(hourly_demand(agency_key=agency))
    return j


@pytest.fixture(scope="module")
async def broker_order(dev_stack: Stack) -> OrderJourney:
    return await completed_order(dev_stack, "linli")


def by_kind(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        found.setdefault(d["kind"], []).append(d)
    return found


@needs_poppler
async def test_the_contract_embeds_its_cjk_font_and_its_text_extracts_intact(
    broker_order: OrderJourney, tmp_path: Path
) -> None:
    j = broker_order
    docs = by_kind(await j.documents())
    assert sorted(docs) == ["annex", "contract", "fee_list", "invoice"]
    pdf = await j.download(docs["contract"][0]["url"])
    assert hashlib.sha256(pdf).hexdigest() == docs["contract"][0]["sha256"]
    path = tmp_path / "contract.pdf"
    path.write_bytes(pdf)

    fonts = await asyncio.to_thread(poppler, "pdffonts", str(path))
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("WenQuanYiMicroHei" in r[0] and r[-5] == "yes" for r in rows), fonts  # emb = yes

    text = await pdftotext(path)
    for phrase in (
        "家政服务合同（中介制三方）",
        "林晓雨",
        "杭州邻里家政服务中心",
        "丙方（家政服务员）",
        "试用期",
        "更换服务人员",
        "押金",
        "逾期利息",
        "跳单",
        "已收取未服务的费用",
        "协商",
        "仲裁",
        "电子签章",
        "¥40.00/小时",
    ):
        assert phrase in text, phrase
    # the agency reads the contract before any worker is confirmed: the room is only in the annex
    assert "1202" not in text and "门牌号见派遣确认书" in text
    assert "%SandboxSignature" in pdf.decode("latin-1")  # the signed copy from the e-signature platform

    await asyncio.to_thread(
        poppler, "pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")
    )
    page = tmp_path / "page-1.png"
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and page.stat().st_size > 10_000


@needs_poppler
async def test_the_annex_fee_list_and_invoice_print_in_chinese(
    broker_order: OrderJourney, tmp_path: Path
) -> None:
    j = broker_order
    docs = by_kind(await j.documents())
    texts = {}
    for kind in ("annex", "fee_list", "invoice"):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(await j.download(docs[kind][0]["url"]))
        texts[kind] = await pdftotext(path)
    assert "服务人员派遣确认书" in texts["annex"] and "丙方（家政服务员）" in texts["annex"]
    assert "1202" in texts["annex"].replace(" ", "")  # the full service address comes with the worker
    assert "费用清单" in texts["fee_list"] and "合计" in texts["fee_list"] and "已支付" in texts["fee_list"]
    assert "电子发票" in texts["invoice"] and "价税合计" in texts["invoice"]


async def test_only_the_orders_parties_may_download(broker_order: OrderJourney) -> None:
    j = broker_order
    docs = by_kind(await j.documents())
    urls = [docs[k][0]["url"] for k in ("contract", "annex", "fee_list", "invoice")]
    for token in ("dev-customer-he-jianguo", "dev-agency-anxin", "dev-point-xihu", "dev-worker-wang-fang"):
        for url in [f"/api/v1/orders/{j.order_id}/documents", *urls]:
            response = await j.call(token, "GET", url)
            assert response.status_code == 404, (token, url, response.status_code)
    for token in (j.agency_token, "dev-supervisor", "dev-customer-service"):
        for url in urls:
            assert (await j.call(token, "GET", url)).status_code == 200, (token, url)
    worker = WORKER_TOKENS[j.worker_id]
    assert [d["kind"] for d in await j.documents(worker)] == ["annex"]
    assert (await j.call(worker, "GET", docs["annex"][0]["url"])).status_code == 200
    for url in (urls[0], urls[2], urls[3]):
        assert (await j.call(worker, "GET", url)).status_code == 404


async def test_a_changed_file_is_detected(broker_order: OrderJourney, dev_stack: Stack) -> None:
    j = broker_order
    docs = by_kind(await j.documents())
    original = await j.download(docs["contract"][0]["url"])
    verify = f"/api/v1/orders/{j.order_id}/documents/verify"
    async with dev_stack.http(j.customer_token) as http:
        genuine = (
            await http.post(verify, content=original, headers={"Content-Type": "application/pdf"})
        ).json()
        forged = original.replace(b"/Title", b"/Titlf", 1)
        changed = (
            await http.post(verify, content=forged, headers={"Content-Type": "application/pdf"})
        ).json()
    assert genuine["genuine"] is True and genuine["document"]["kind"] == "contract"
    assert changed["genuine"] is False

    # a stored file altered behind the platform's back is refused, never served
    async with session_scope(dev_stack.engine) as s:
        row = (
            await s.exec(
                select(Document)
                .where(Document.ref_id == docs["fee_list"][0]["ref"])
                .order_by(col(Document.version).desc())
            )
        ).first()
        assert row is not None
        row.content = row.content.replace(b"%%EOF", b"%%EOF ", 1)
    response = await j.call(j.customer_token, "GET", docs["fee_list"][0]["url"])
    assert response.status_code == 409 and response.json()["code"] == "document_tampered"


async def test_every_new_order_gets_an_annex_behind_a_patch_and_old_histories_replay(
    broker_order: OrderJourney, dev_stack: Stack
) -> None:
    """Both paths of the ``assignment-annex`` patch: a new order records the marker and generates the
    annex; the saved histories (from before annexes) take no annex and still replay."""
    j = broker_order
    history = await dev_stack.client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    markers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    patches = [m.marker_recorded_event_attributes.details["patch-data"].payloads[0].data for m in markers]
    assert any(ANNEX_PATCH.encode() in p for p in patches)
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert "create_annex" in scheduled
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=converter(platform_settings()))
    await replayer.replay_workflow(history)

    saved = (HISTORIES / "rejected_then_completed.json").read_text()
    assert "create_annex" not in saved and "assignment-annex" not in saved
    async with session_scope(dev_stack.engine) as s:
        annex = (
            await s.exec(select(Contract).where(Contract.order_id == j.order_id, Contract.kind == "annex"))
        ).one()
    assert annex.status == "completed" and annex.terms["worker_id"] == j.worker_id
    assert annex.signed_document is not None and annex.signed_document.startswith(annex.document)


async def test_a_disputed_fee_list_holds_payment_until_customer_service_resolves_it(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    wf = await j.wait_for("confirm_fee_list")
    fee_list = wf["fee_list"]
    body = {"fee_list_id": fee_list["fee_list_id"]}

    await j.step(j.customer_token, "fee-list/dispute", {**body, "reason": "只服务了两个小时"})
    wf = await j.wait_for("resolve_dispute")
    assert wf["dispute_open"] and wf["payment"] is None  # payment is held
    refused = await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/fee-list/confirm", body)
    assert refused.status_code == 409
    not_staff = await j.call(
        j.agency_token, "POST", f"/api/v1/orders/{j.order_id}/fee-list/resolve", {**body, "note": "x"}
    )
    assert not_staff.status_code == 403
    too_much = {**body, "adjustment_fen": fee_list["total_fen"] + 1, "note": "退全部"}
    assert (
        await j.call(
            "dev-customer-service", "POST", f"/api/v1/orders/{j.order_id}/fee-list/resolve", too_much
        )
    ).status_code == 422

    await j.step(
        "dev-customer-service",
        "fee-list/resolve",
        {**body, "adjustment_fen": 4500, "note": "核实后减免一小时"},
    )
    wf = await j.wait_for("confirm_fee_list")
    assert wf["fee_list"]["total_fen"] == fee_list["total_fen"] - 4500 and not wf["dispute_open"]
    await j.bill()
    await j.rate()
    view = await outcome(dev_stack, j.order_id)
    assert view.payment is not None and view.payment.amount_fen == fee_list["total_fen"] - 4500
    docs = by_kind(await j.documents())
    assert docs["fee_list"][0]["status"] == "paid"


async def test_a_per_visit_order_is_billed_by_the_visit(dev_stack: Stack) -> None:
    j = journey(dev_stack, agency="linli")
    demand = {**hourly_demand(agency_key="linli"), "category": "home_cooking", "hours_per_visit": 2}
    demand["requirements"] = {"certificates": ["健康证"], "languages": []}
    final = await j.run(demand)
    assert final["outcome"] == "completed"
    assert final["fee_list"]["total_fen"] in (12000, 24000)  # ¥120 a visit (+100 % on a statutory holiday)


def test_documents_are_deterministic() -> None:
    text = render_text(
        "billing/fee_list.txt.j2",
        {
            "title": "费用清单",
            "fee_list_id": "x",
            "contract_no": "JZ-1",
            "customer_name": "林晓雨",
            "agency_name": "机构",
            "category_label": "计时服务",
            "period": "",
            "lines": [{"item": "计时服务 4 小时", "amount": "¥180.00"}],
            "total": "¥180.00",
            "status": "待确认",
        },
    )
    assert text_to_pdf(text, "费用清单") == text_to_pdf(text, "费用清单")  # same text, same SHA-256
