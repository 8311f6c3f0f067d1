"""Webhook signatures: HMAC-SHA256 over "<unix timestamp>.<raw body>", hex-encoded.

The sandbox signs with it; the API verifies with it (constant-time compare, timestamp tolerance).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
SIGNATURE_HEADER = "X-Sandbox-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str, signature: str, body: bytes, now: float, tolerance: int
) -> str | None:
    """Why the signature is not acceptable, or None if it is."""
    try:
        ts = int(timestamp)
    except ValueError:
        return "timestamp header is not a unix time"
    if abs(now - ts) > tolerance:
        return "timestamp outside the accepted window"
    if not hmac.compare_digest(sign(secret, ts, body), signature):
        return "signature does not match"
    return None
