"""The answers of the tools that combine several API answers (the others return the API's wire models as they are).

Money is exact like everywhere else: a Decimal in Python, decimal text in JSON.
"""

from __future__ import annotations

from client.models.costs import CostFigures, IdleCost
from client.models.wire import DecimalText, Money, Window, Wire


class PeriodSpend(Window):
    """Spend of one range: totals with unit economics, and the idle GPU cost apart (None when filtered to something
    idle GPU time does not belong to)."""

    totals: CostFigures
    idle: IdleCost | None


class SpendSummary(Wire):
    """Spend of the range asked for, of the range of the same length just before it, and the change."""

    current: PeriodSpend
    previous: PeriodSpend
    change: Money  # current.totals.cost - previous.totals.cost
    change_ratio: DecimalText | None  # change / previous.totals.cost, four places; None when the previous was 0
