"""Across incidents, from milestones worked out by hand: time to detect/acknowledge/mitigate/resolve per week,
service and severity (mean and nearest-rank p90), incidents and dollars lost per month, open action items."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from alerts.incidents.impact import Impact, WindowStats
from alerts.incidents.lifecycle import Milestones
from alerts.incidents.metrics import monthly, open_items, p90, weekly
from alerts.incidents.model import ActionItem, Incident, Postmortem

MON = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)  # a Monday
M = timedelta(minutes=1)


def incident(n: int, detected: datetime, service: str = "chat", severity: str = "SEV2", detect: int = 2,
             ack: int | None = 5, mitigate: int | None = None, resolve: int | None = 30,
             extra: str | None = None, items: tuple[ActionItem, ...] = ()) -> Incident:
    def after(minutes: int | None) -> datetime | None:
        return detected + minutes * M if minutes is not None else None

    impact = None if extra is None else Impact(detected, detected + M, WindowStats(cost_usd=Decimal(extra)),
                                               WindowStats(), None, "", detected)
    return Incident(n, f"incident {n}", severity, "resolved", "alert",  # type: ignore[arg-type]
                    Milestones(detected - detect * M, detected, after(ack), after(mitigate), after(resolve)),
                    detected, service=service, impact=impact, postmortem=Postmortem(action_items=items))


def test_p90_is_the_nearest_rank():
    assert p90([]) is None
    assert p90([5.0]) == 5.0
    assert p90([float(v) for v in range(1, 11)]) == 9.0  # 9 of 10 values are at or below 9
    assert p90([float(v) for v in range(1, 12)]) == 10.0  # ceil(9.9) = 10th value


def test_times_per_week_service_and_severity_count_only_the_milestones_reached():
    found = weekly([incident(1, MON, ack=4, resolve=20), incident(2, MON + timedelta(days=2), ack=None, resolve=10),
                    incident(3, MON + timedelta(days=3), service="search"),
                    incident(4, MON + timedelta(days=7), detect=6, mitigate=8)])
    assert [(w.week, w.service, w.severity, w.incidents) for w in found] == [
        (date(2026, 11, 16), "chat", "SEV2", 2), (date(2026, 11, 16), "search", "SEV2", 1),
        (date(2026, 11, 23), "chat", "SEV2", 1)]
    chat = found[0].times
    assert (chat["detect"].count, chat["detect"].mean_seconds, chat["detect"].p90_seconds) == (2, 120.0, 120.0)
    assert (chat["acknowledge"].count, chat["acknowledge"].mean_seconds) == (1, 240.0)  # INC-2 was never acked
    assert (chat["mitigate"].count, chat["mitigate"].mean_seconds, chat["mitigate"].p90_seconds) == (0, None, None)
    assert (chat["resolve"].mean_seconds, chat["resolve"].p90_seconds) == (900.0, 1200.0)
    assert found[2].times["detect"].mean_seconds == 360.0 and found[2].times["mitigate"].mean_seconds == 480.0


def test_dollars_lost_per_month_count_rises_only_and_say_what_is_not_measured():
    found = monthly([incident(1, MON, extra="2.50"), incident(2, MON, extra="-4"), incident(3, MON),
                     incident(4, datetime(2026, 12, 1, tzinfo=timezone.utc), extra="0.000001")])
    assert [(m.month, m.incidents, m.extra_cost_usd, m.without_impact) for m in found] == [
        ("2026-11", 3, Decimal("2.50"), 1), ("2026-12", 1, Decimal("0.000001"), 0)]


def test_open_action_items_soonest_first_and_done_ones_left_out():
    late, soon = ActionItem("add a fallback", "ana", date(2026, 12, 1)), ActionItem("alert earlier", "bo",
                                                                                    date(2026, 11, 25))
    undated, done = ActionItem("write it up", "cy"), ActionItem("roll back", "ana", date(2026, 11, 20), done=True)
    found = open_items([incident(1, MON, items=(late, done)), incident(2, MON, items=(undated, soon))])
    assert [(o.incident, o.item.title) for o in found] == [("INC-2", "alert earlier"), ("INC-1", "add a fallback"),
                                                           ("INC-2", "write it up")]
