"""A browser for the web front over real HTTP: cookies kept, redirects not followed (tests look at them),
hidden fields (CSRF token, form key) read from the page the way a browser would submit them."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from tests.market.support import id_number, phone, username
from tests.support.stack import Stack

PASSWORD = "web-pass-2026"


def hidden(page: str, name: str, action: str | None = None) -> str:
    """The value of hidden input ``name`` (inside the form posting to ``action`` if given)."""
    if action is not None:
        found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
        assert found, f"no form posting to {action}"
        page = found.group(1)
    value = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert value, f"no hidden field {name}"
    return html.unescape(value.group(1))


def hidden_fields(page: str, action: str) -> dict[str, str]:
    """What a browser submits untouched with the form posting to ``action``: its hidden inputs and the
    boxes and radio buttons checked by default."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert found, f"no form posting to {action}"
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1))
    pairs += re.findall(
        r'<input type="(?:checkbox|radio)" name="([^"]+)" value="([^"]*)" checked>', found.group(1)
    )
    return {name: html.unescape(value) for name, value in pairs}


def form_actions(page: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', page)]


class Browser:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.AsyncClient(base_url=stack.api_url, timeout=30.0, follow_redirects=False)

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def page(self, path: str) -> str:
        """A page that must render (200), checked for the front's language and viewport."""
        response = await self.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        check_page(response.text)
        return response.text

    async def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, data=data)

    async def submit(self, page_path: str, action: str, fields: dict[str, Any]) -> httpx.Response:
        """Open ``page_path``, submit its form posting to ``action`` with ``fields`` and its hidden ones."""
        page = await self.page(page_path)
        return await self.post(action, {**hidden_fields(page, action), **fields})

    @property
    def session_cookie(self) -> str | None:
        return self.http.cookies.get("jz_session")


def pay_link(page: str, link_id: str = "pay-link") -> str:
    """The payment platform's cashier link on an order page."""
    found = re.search(rf'<a class="button" href="([^"]+)" id="{link_id}"', page)
    assert found, f"no {link_id} on the page"
    return html.unescape(found.group(1))


async def pay_at_cashier(url: str, outcome: str = "succeeded") -> httpx.Response:
    """Follow a pay link to the payment platform's cashier (收银台) and pay there, as a browser does: the
    link carries its own token, no API key."""
    async with httpx.AsyncClient(timeout=10.0) as payer:
        cashier = await payer.get(url)
        assert cashier.status_code == 200 and "收银台" in cashier.text, cashier.text[:500]
        token = re.search(r'name="token" value="([^"]+)"', cashier.text)
        assert token
        return await payer.post(str(cashier.url), data={"token": token.group(1), "outcome": outcome})


def check_page(text: str) -> None:
    assert '<html lang="zh-CN">' in text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text


def registration(**changes: str) -> dict[str, str]:
    return {
        "name": "网页客户",
        "id_number": id_number(),
        "phone": phone(),
        "district": "330106",
        "street": "文三路 100 号",
        "building": "阳光小区 3 幢",
        "room": "1202 室",
        "username": username("w"),
        "password": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }


async def registered(stack: Stack, **changes: str) -> tuple[Browser, dict[str, str]]:
    """A browser signed in as a customer who just registered on the web front."""
    browser = Browser(stack)
    fields = registration(**changes)
    answer = await browser.submit("/register", "/register", fields)
    assert answer.status_code == 303, answer.text[:2000]
    assert answer.headers["location"] == "/orders?welcome=1"
    return browser, fields
