"""Forms of the web front: reading them, the CSRF check, the safe ``next`` URL, and field checks whose
messages are in Chinese. The API's own rules still run behind them (the web calls the API's code); an
English message from there is put into Chinese by ``zh_message`` / ``zh_field_errors``."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from pydantic import BaseModel, ValidationError

from api.errors import ApiError
from devdata.market import DISTRICTS
from domain.identity import id_number_problem
from domain.service_area import BEIJING

Form = dict[str, str]
Errors = dict[str, str]
Model = TypeVar("Model", bound=BaseModel)

PHONE = r"1[3-9]\d{9}"
USERNAME = r"[a-z][a-z0-9_.-]{2,31}"


class PageError(Exception):
    """A page that cannot be shown or a step that cannot be taken: rendered as a Chinese error page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


CSRF_REFUSED = PageError(
    403, "页面已过期", "表单校验未通过（可能页面已过期或来自其他网站）。请返回、刷新页面后重试。"
)


async def read_form(request: Request) -> Form:
    """The posted fields as text (the last value of a repeated field); files are ignored."""
    data = await request.form()
    return {k: v.strip() for k, v in data.items() if isinstance(v, str)}


def new_form_key() -> str:
    """A key per rendered form: a double submit of the same form is one order, one step."""
    return uuid.uuid4().hex


def form_key(form: Form) -> str:
    key = form.get("form_key", "")
    if not re.fullmatch(r"[0-9a-f]{32}", key):
        raise PageError(400, "表单无效", "表单缺少提交编号，请刷新页面后重试。")
    return key


def step_key(form: Form, action: str) -> str:
    """The Idempotency-Key of a step posted from a page: the page's form key and what the form says. One page
    carries one form key for all its forms, so the same form posted twice (a double click, a retry) is one
    step, while another form of the same page (rejecting a second worker, answering a second claim) is a
    step of its own."""
    content = sorted((k, v) for k, v in form.items() if k not in ("csrf_token", "form_key"))
    digest = hashlib.sha256(json.dumps([action, content], ensure_ascii=False).encode()).hexdigest()[:24]
    return f"web-{form_key(form)}-{digest}"


def safe_next(value: str | None, default: str = "/orders") -> str:
    """Only a path on this site: no scheme, no host, no ``//`` or ``/\\`` (which browsers read as a host)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n\t\\"):
        return default
    return value


# ------------------------------------------------------------------ field checks (Chinese)


def required(form: Form, errors: Errors, name: str, label: str, max_len: int = 200) -> str:
    value = form.get(name, "")
    if not value:
        errors[name] = f"请填写{label}"
    elif len(value) > max_len:
        errors[name] = f"{label}最多 {max_len} 个字"
    return value


def optional(form: Form, errors: Errors, name: str, label: str, max_len: int = 500) -> str:
    value = form.get(name, "")
    if len(value) > max_len:
        errors[name] = f"{label}最多 {max_len} 个字"
    return value


def _shaped(errors: Errors, name: str, label: str, value: str, pattern: str, wrong: str) -> str | None:
    """``value`` if it is given and fully matches ``pattern``; else None, with the field's message."""
    if not value:
        errors[name] = f"请填写{label}"
        return None
    if not re.fullmatch(pattern, value):
        errors[name] = wrong
        return None
    return value


def integer(form: Form, errors: Errors, name: str, label: str, low: int, high: int) -> int:
    value = _shaped(errors, name, label, form.get(name, ""), r"\d{1,9}", f"{label}应为整数")
    if value is None:
        return 0
    if not low <= int(value) <= high:
        errors[name] = f"{label}应在 {low} 到 {high} 之间"
    return int(value)


def step_reason(form: Form, label: str, required: bool = True) -> str:
    """The ``reason`` of a step's form (at most 500 characters, like the API's); a PageError if wrong."""
    text = form.get("reason", "")
    if required and not text:
        raise PageError(422, "请填写原因", f"请填写{label}。")
    if len(text) > 500:
        raise PageError(422, "原因太长", f"{label}最多 500 个字。")
    return text


def yuan(form: Form, errors: Errors, name: str, label: str, high_yuan: int = 1_000_000) -> int:
    """An amount in yuan (up to 2 decimals), as fen."""
    raw = form.get(name, "").replace(",", "").replace("，", "")
    value = _shaped(errors, name, label, raw, r"\d{1,7}(\.\d{1,2})?", f"{label}应为金额（元），最多两位小数")
    if value is None:
        return 0
    whole, _, cents = value.partition(".")
    fen = int(whole) * 100 + int((cents + "00")[:2])
    if not 0 < fen <= high_yuan * 100:
        errors[name] = f"{label}应大于 0 元且不超过 {high_yuan} 元"
    return fen


def name(form: Form, errors: Errors) -> str:
    value = required(form, errors, "name", "姓名", 30)
    if value and len(value) < 2:
        errors["name"] = "姓名至少 2 个字，请与身份证一致"
    return value


def id_number(form: Form, errors: Errors) -> str:
    value = form.get("id_number", "").upper()
    if not value:
        errors["id_number"] = "请填写身份证号码"
    elif problem := id_number_problem(value):
        errors["id_number"] = problem
    return value


def phone(form: Form, errors: Errors) -> str:
    value = re.sub(r"[\s-]", "", form.get("phone", ""))
    _shaped(errors, "phone", "手机号码", value, PHONE, "手机号码应为 11 位，以 13-19 开头")
    return value


def username(form: Form, errors: Errors) -> str:
    value = form.get("username", "")
    rule = "用户名 3-32 位，由小写字母、数字、点、下划线或连字符组成，以字母开头"
    _shaped(errors, "username", "用户名", value, USERNAME, rule)
    return value


def password(form: Form, errors: Errors) -> str:
    value = form.get("password", "")
    if len(value) < 10:
        errors["password"] = "密码至少 10 位"  # noqa: S105 - a message, not a password
    elif len(value) > 128:
        errors["password"] = "密码最多 128 位"  # noqa: S105 - a message, not a password
    elif value.isdigit() or value.isalpha():
        errors["password"] = "密码需同时包含字母和数字（或符号）"  # noqa: S105 - a message, not a password
    elif form.get("password2") is not None and form.get("password2") != value:
        errors["password2"] = "两次输入的密码不一致"
    return value


def district(form: Form, errors: Errors, field: str = "district") -> str:
    value = form.get(field, "")
    if value not in DISTRICTS:
        errors[field] = "请选择平台服务的区县"
    return value


def address(form: Form, errors: Errors) -> dict[str, str]:
    """An address's district, street, building and room (``AddressCreate``'s fields), checked in Chinese."""
    found = {
        "district": district(form, errors),
        "street": required(form, errors, "street", "街道门牌", 200),
        "building": required(form, errors, "building", "小区与楼幢", 100),
        "room": required(form, errors, "room", "房号", 50),
    }
    if found["street"] and len(found["street"]) < 2:
        errors["street"] = "街道门牌至少 2 个字"
    return found


def person(form: Form, errors: Errors) -> dict[str, object]:
    """A customer's name, ID number, mobile and first address: ``CustomerCreate`` without the login."""
    return {
        "name": name(form, errors),
        "id_number": id_number(form, errors),
        "phone": phone(form, errors),
        "address": address(form, errors),
    }


def validated(
    model: type[Model], data: dict[str, object], errors: Errors, fields: dict[str, str]
) -> Model | None:
    """``data`` as the API's schema ``model`` once the Chinese checks found nothing wrong (else None); an
    error of the schema they did not foresee lands on its field (``fields``: API field → form field), in
    Chinese."""
    if errors:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors.update(zh_validation(err, fields))
        return None


def local_datetime(form: Form, errors: Errors, field: str, label: str) -> datetime | None:
    """A ``datetime-local`` input, read as Beijing time."""
    value = form.get(field, "")
    if not value:
        errors[field] = f"请选择{label}"
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=BEIJING)
    except ValueError:
        errors[field] = f"{label}格式应为 年-月-日 时:分"
        return None


# ------------------------------------------------------------------ the API's messages, in Chinese

_CODES = {
    "not_found": "没有找到您要的内容，或您无权查看。",
    "WrongStage": "订单当前所处的阶段不能进行这一步。",
    "AlreadyDone": "这一步已经完成，无需重复操作。",
    "NotPermitted": "这一步不由您来操作。",
    "InvalidStep": "提交的内容无效，请检查后重试。",
    "order_closed": "订单已结束，不能再进行操作。",
    "step_failed": "操作未能完成，请稍后重试。",
    "workflow_unavailable": "订单系统暂时无法访问，请稍后重试（已保存的内容不会丢失）。",
    "anxinma_unavailable": "安心码平台暂时无法访问，请稍后重试。",
    "identity_unavailable": "实名核验平台暂时无法访问，未保存任何信息，请稍后重试。",
    "points_unavailable": "浙里好家政平台暂时无法访问，请稍后重试。",
    "too_many_attempts": "登录失败次数过多，账户已暂时锁定，请稍后再试。",
    "point_inactive": "浙里好家政平台上该社区服务点已不在服务中，暂不能代客户办理。",
    "point_staff_unlisted": "浙里好家政平台已不再登记您为该服务点的工作人员，暂不能代客户办理。",
    "duplicate_id_number": "该身份证号码已经注册过。",
    "duplicate_phone": "该手机号码已经注册过。",
    "username_taken": "该用户名已被使用，请换一个。",
    "idempotency_key_reused": "该表单已提交过不同的内容，请刷新页面后重新填写。",
    "document_tampered": "文件校验未通过（与平台记录不一致），已拒绝下载。",
    "forbidden": "您无权进行此操作。",
    "unauthenticated": "请先登录。",
    "report_closed": "该跳单举报已经结束，不能再处理。",
    "method_not_allowed": "不支持这种操作方式，请从页面上的按钮提交。",
}

# A refused step of a long order or a damage claim: the workflow's reason, in Chinese (looked up before the
# code's general message, so the customer learns why — paused, replacing, already answered …)
_REFUSALS = (
    ("the service is ending", "服务正在终止结算，不能再进行这一步。"),
    ("a replacement is already under way", "已在为您更换服务人员，无需重复申请。"),
    ("the service is paused; resume it first", "服务暂停中，请先恢复服务再申请更换。"),
    ("the worker has not checked in yet", "服务人员尚未入户，暂不能申请更换。"),
    ("the service is already paused", "服务已在暂停中。"),
    ("a replacement is under way", "正在更换服务人员，暂不能暂停服务。"),
    ("a pause lasts 1 to 30 days", "暂停天数应为 1 到 30 天。"),
    ("the service is not paused", "服务未暂停，无需恢复。"),
    ("the service is already being terminated", "服务已在终止结算中，无需重复提交。"),
    ("a reason is required to terminate", "请填写提前终止的原因（不超过 500 个字）。"),
    ("only live-in, daytime and 月嫂 orders", "只有住家、白班和月嫂订单在服务期间可以进行这一步。"),
    ("the order is being cancelled", "订单正在取消中，不能再进行这一步。"),
    ("this claim has already been answered", "这项赔偿申请已经答复过了。"),
    ("answers a claim", "赔偿申请只能由客户本人（或其授权的服务点）答复。"),
    ("the note may be at most 500 characters", "说明最多 500 个字。"),
    ("no such claim on this order", "该订单没有这项赔偿申请。"),
    ("damage claims are made against the deposit", "只有住家、月嫂订单的押金可以申请赔偿。"),
)

_FIELD_MESSAGES = (
    ("does not match the ID number", "姓名与身份证号码不一致（实名核验未通过）"),
    ("does not accept this ID number", "实名核验平台不认可该身份证号码"),
    ("offer", "该时间、该区县暂无机构提供这项服务，请换个时间、区县或服务类型"),
    ("no such address", "请选择您的服务地址"),
    ("has not consented", "该客户不存在，或未授权本服务点代为下单"),
    ("must name the customer", "请选择代办的客户"),
    ("already taken", "该用户名已被使用，请换一个"),
    ("already registered", "已经注册过"),
    ("at most 10 addresses", "每位客户最多保存 10 个服务地址"),
    ("has no service point with this id", "浙里好家政平台没有这个社区服务点"),
)


def zh_text(english: str, fallback: str = "填写有误，请检查") -> str:
    for needle, chinese in _FIELD_MESSAGES:
        if needle in english:
            return chinese
    return fallback


def zh_message(err: ApiError) -> str:
    for needle, chinese in _REFUSALS:
        if needle in err.message:
            return chinese
    if err.code in _CODES:
        return _CODES[err.code]
    if err.errors:
        return "；".join(zh_text(e.get("message", "")) for e in err.errors)
    return zh_text(err.message, "操作未能完成，请稍后重试。")


def zh_field_errors(err: ApiError, fields: dict[str, str]) -> Errors:
    """Field errors of an ApiError, keyed by the form's field names (``fields``: API field → form field).
    An error on no known field lands under ``_form``."""
    found: Errors = {}
    for e in err.errors:
        api_field = e.get("field", "")
        target = fields.get(api_field, "_form")
        found[target] = _CODES.get(err.code) or zh_text(e.get("message", ""))
    if not found:
        found["_form"] = zh_message(err)
    return found


def zh_validation(err: ValidationError, fields: dict[str, str]) -> Errors:
    """A pydantic error the Chinese checks did not foresee: named by field, never shown in English."""
    found: Errors = {}
    for e in err.errors():
        loc = ".".join(str(p) for p in e.get("loc", ()))
        target = fields.get(loc, "_form")
        found.setdefault(target, zh_text(str(e.get("msg", "")), "该项填写有误，请检查"))
    return found
