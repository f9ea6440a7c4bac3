"""What every wire model shares: the base class, exact decimals as text, timestamps as text.

- Money (and every other exact decimal: shares, GPU-seconds, quantities) is a `Decimal` in
  Python and a JSON string on the wire ("0.0065"): a float cannot hold every cent of a large
  total. The text is plain decimal notation without trailing zeros ("1.2", never "1.200000000000"
  or "0E-12"), whatever the precision of the column it came from.
- Timestamps are RFC 3339 text in the model as on the wire: the store keeps nanoseconds, which
  Python's datetime cannot hold, so a parsed datetime would lose digits the API sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain decimal text without trailing zeros: 0.006500 -> '0.0065', 0E-12 -> '0'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


DecimalText = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str, when_used="json"),
                        WithJsonSchema({"type": "string", "format": "decimal", "examples": ["0.0065"]})]
Money = DecimalText  # amounts of money, in the currency of their row (USD unless configured)
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time",
                                           "examples": ["2026-11-20T10:00:00.000000000Z"]})]


class Wire(BaseModel):
    """A response (or part of one) as the API sends it; immutable once parsed.

    Unknown fields are ignored, so a client keeps working against a newer API that adds some.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


class Window(Wire):
    """The time range an answer covers, as the API resolved `since`/`until` (UTC)."""

    since: Timestamp
    until: Timestamp


class ErrorBody(Wire):
    """Every error answer of the API (4xx, 5xx): one readable line."""

    error: str
