"""Which alerts are muted now, and by what: active silences and inhibition by firing alerts.

One function for the dispatcher (a muted alert is left out of its group's notification) and for
the alerts API (which shows `silenced_by` and `inhibited_by` like Alertmanager's API does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.inhibit import Inhibitor, InhibitRule
from alerts.silences import Silence, silenced_by
from alerts.state import AlertState


@dataclass(frozen=True)
class Muting:
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()

    @property
    def muted(self) -> bool:
        return bool(self.silenced_by or self.inhibited_by)


def mutings(states: Iterable[AlertState], silences: Sequence[Silence], rules: Sequence[InhibitRule],
            now: datetime) -> dict[str, Muting]:
    """Per fingerprint: the active silences that match it, and the firing alerts that inhibit it."""
    states = list(states)
    inhibitor = Inhibitor(rules, [s.labels for s in states if s.status == "firing"])
    return {s.fingerprint: Muting(tuple(silenced_by(s.labels, silences, now)), tuple(inhibitor.inhibited_by(s.labels)))
            for s in states}
