"""One HTTP POST and what its answer means, for every receiver that speaks HTTP.

The retry matrix (docs/architecture.md, "The notification outbox"): 2xx is delivered; a network error, a
timeout, 5xx and 429 are worth retrying (honouring Retry-After, in seconds or as an HTTP date); every other
answer, 3xx included (redirects are not followed: a webhook URL that moved is a configuration to fix), fails
for good with the status and the start of the body as the reason.
"""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from alerts.notifiers.base import Delivery, redact

USER_AGENT = "Spyglass-Notifier/1"
_BODY_CHARS = 200


def client(timeout: float, connections: int) -> httpx.Client:
    """A connection pool for one receiver: `timeout` bounds connecting and each read and write."""
    return httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
                        headers={"User-Agent": USER_AGENT})


def post_json(http: httpx.Client, url: str, body: Any, headers: dict[str, str] | None = None,
              secrets: list[str] | None = None) -> Delivery:
    """POST `body` as JSON to `url` and classify the answer."""
    content = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    try:
        response = http.post(url, content=content, headers={"Content-Type": "application/json", **(headers or {})})
    except httpx.TransportError as exc:  # connect/read/write errors and timeouts: the receiver may recover
        return Delivery.retry(redact(f"{type(exc).__name__}: {exc}".rstrip(": "), secrets or []))
    return classify(response.status_code, response.headers.get("Retry-After"), response.text, secrets or [])


def classify(status: int, retry_after: str | None, text: str, secrets: list[str]) -> Delivery:
    """What an HTTP answer means for delivery (module docstring)."""
    reason = redact(f"HTTP {status}" + (f": {' '.join(text.split())[:_BODY_CHARS]}" if text.strip() else ""), secrets)
    if 200 <= status < 300:
        return Delivery.delivered(f"HTTP {status}")
    if status == 429 or status >= 500:
        return Delivery.retry(reason, parse_retry_after(retry_after))
    return Delivery.failed(reason)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
