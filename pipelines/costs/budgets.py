"""Budgets: a monthly amount for a scope, with soft and hard thresholds, and where spend stands.

A budget's state comes from month-to-date spend (what has happened) and, separately, from
the month-end forecast (what will happen at this pace): a team learns on the 10th that it
will cross its hard limit on the 24th, not on the 24th. Thresholds are fractions of the
monthly amount (soft 0.8 = warn at 80 %).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.costs.forecast import forecast_month_end

# Budget scope -> the cost_hourly column it filters on.
SCOPES = {"project": "project", "team": "team", "feature": "feature", "user": "user_id"}
State = Literal["ok", "soft", "hard"]


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


def evaluate(budget: Budget, daily: Mapping[date, Decimal], now: datetime) -> dict[str, object]:
    """Month-to-date, forecast, burn and states of `budget` from its spend per UTC day."""
    f = forecast_month_end(daily, now)
    return {
        "name": budget.name, "scope": budget.scope, "value": budget.value, "currency": budget.currency,
        "monthly": str(budget.monthly), "soft_threshold": str(budget.soft), "hard_threshold": str(budget.hard),
        "month_to_date": str(f.month_to_date), "forecast_month_end": str(f.month_end),
        "forecast_method": f.method, "used": str((f.month_to_date / budget.monthly).quantize(Decimal("0.0001"))),
        "remaining": str(budget.monthly - f.month_to_date),
        "state": state_of(f.month_to_date, budget), "forecast_state": state_of(f.month_end, budget),
    }
