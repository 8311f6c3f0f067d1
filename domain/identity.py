"""Identity numbers: resident ID (GB 11643, MOD 11-2) and Unified Social Credit Code (GB 32100, MOD 31)."""

from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB 32100: 31 characters, no I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(value: str, today: date | None = None) -> str | None:
    """Why ``value`` is not a valid 18-character resident ID number, or None if it is."""
    v = value.strip().upper()
    if len(v) != 18:
        return "身份证号码应为18位"
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return "身份证号码前17位应为数字，最后一位为数字或X"
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1900 or born > (today or date.today()):
        return "身份证号码中的出生日期不合理"
    if id_check_char(v[:17]) != v[17]:
        return "身份证号码校验位不正确"
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why ``value`` is not a well-formed credit code (alphabet), or None. The check character is separate."""
    v = value.strip().upper()
    if len(v) != 18:
        return "统一社会信用代码应为18位"
    bad = sorted({c for c in v if c not in _USCC_ALPHABET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}"
    return None


def uscc_check_ok(value: str) -> bool:
    """MOD 31 check. Some early codes fail it: callers send those to manual review, not a hard reject."""
    v = value.strip().upper()
    return uscc_problem(v) is None and uscc_check_char(v[:17]) == v[17]


def mask_id_number(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_name(value: str) -> str:
    return value[:1] + "*" * max(len(value) - 1, 1)
