"""Budgets: a monthly amount for a scope, with soft and hard thresholds, and where spend stands.

A budget's state comes from month-to-date spend (what has happened) and, separately, from
the month-end forecast (what will happen at this pace): a team learns on the 10th that it
will cross its hard limit on the 24th, not on the 24th. Thresholds are fractions of the
monthly amount (soft 0.8 = warn at 80 %).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.costs.forecast import ForecastMethod, forecast_month_end

# Budget scope -> the cost_hourly column it filters on.
SCOPES = {"project": "project", "team": "team", "feature": "feature", "user": "user_id"}
State = Literal["ok", "soft", "hard"]
USED = Decimal("0.0001")  # the used share's precision


class Budget(BaseModel):
    """One budget from the configuration (`budgets:` in spyglass.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    scope: Literal["project", "team", "feature", "user"]
    value: str = Field(min_length=1, description="the project, team, feature or user id the budget covers")
    monthly: Decimal = Field(gt=0)
    currency: str = "USD"
    soft: Decimal = Field(Decimal("0.8"), gt=0)
    hard: Decimal = Field(Decimal("1.0"), gt=0)

    @model_validator(mode="after")
    def _thresholds(self) -> Budget:
        if self.soft > self.hard:
            raise ValueError(f"budget {self.name}: soft threshold {self.soft} is above hard threshold {self.hard}")
        return self


def state_of(amount: Decimal, budget: Budget) -> State:
    if amount >= budget.monthly * budget.hard:
        return "hard"
    return "soft" if amount >= budget.monthly * budget.soft else "ok"


@dataclass(frozen=True)
class BudgetEvaluation:
    """Where one budget stands: month to date and month-end forecast (in cents), the share used, both states."""

    budget: Budget
    month_to_date: Decimal
    forecast_month_end: Decimal
    forecast_method: ForecastMethod
    used: Decimal        # month to date / monthly, to four places
    remaining: Decimal   # monthly - month to date (negative once over)
    state: State
    forecast_state: State

    def as_evidence(self) -> dict[str, object]:
        """Flat and JSON-ready (money as exact decimal text), as alert evidence carries it."""
        b = self.budget
        return {"name": b.name, "scope": b.scope, "value": b.value, "currency": b.currency,
                "monthly": str(b.monthly), "soft_threshold": str(b.soft), "hard_threshold": str(b.hard),
                "month_to_date": str(self.month_to_date), "forecast_month_end": str(self.forecast_month_end),
                "forecast_method": self.forecast_method, "used": str(self.used), "remaining": str(self.remaining),
                "state": self.state, "forecast_state": self.forecast_state}


def evaluate(budget: Budget, daily: Mapping[date, Decimal], now: datetime) -> BudgetEvaluation:
    """Month-to-date, forecast, burn and states of `budget` from its spend per UTC day."""
    f = forecast_month_end(daily, now)
    return BudgetEvaluation(budget, f.month_to_date, f.month_end, f.method,
                            (f.month_to_date / budget.monthly).quantize(USED), budget.monthly - f.month_to_date,
                            state_of(f.month_to_date, budget), state_of(f.month_end, budget))
