"""How much traffic each service gets, and when: a diurnal, weekly profile and Poisson arrivals.

Pure and repeatable: the requests of one service in one minute are drawn from a `random.Random`
seeded by (seed, service, minute), so any window, however it is cut (a week's backfill at once, or
live ticks of a second), holds exactly the same requests, and a seed replays the same fleet.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from demo import faults, fleet
from demo.spans import TracePlan, to_ns
from demo.trees import Request, grow

MINUTE = timedelta(minutes=1)
NS = 1_000_000_000
PEAK_HOUR_UTC = 15.0
NIGHT_SHARE = 0.12     # the quietest hour's rate, as a share of the peak's
WEEKEND_SHARE = 0.55   # Saturday and Sunday, as a share of a weekday


def diurnal(at: datetime) -> float:
    """The traffic level at `at` as a share of a weekday's peak: a smooth day (low at night, peak at 15:00 UTC)."""
    hour = at.hour + at.minute / 60
    day = NIGHT_SHARE + (1 - NIGHT_SHARE) * (0.5 + 0.5 * math.cos(2 * math.pi * (hour - PEAK_HOUR_UTC) / 24))
    return day * (WEEKEND_SHARE if at.weekday() >= 5 else 1.0)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small per-minute means here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _user(rng: random.Random) -> str:
    """Heavy users exist: a Zipf-like draw, so a few users make much of the traffic."""
    index = min(len(fleet.USERS) - 1, int(rng.paretovariate(1.2)) - 1)
    return fleet.USERS[(index * 37) % len(fleet.USERS)]


def minute_traffic(seed: int, anchor: datetime, service: fleet.Service, minute: datetime,
                   scale: float = 1.0, schedule: tuple[faults.Fault, ...] = ()) -> list[TracePlan]:
    """Every request `service` receives in the minute starting at `minute` (UTC, on the minute), under the
    faults of `schedule`. The fleet's own requests are drawn first, so faults never change which they are."""
    index = int((minute - fleet.EPOCH) / MINUTE)
    rng = random.Random(f"{seed}:{service.name}:{index}")
    count = _poisson(rng, service.requests_per_minute * diurnal(minute) * scale)
    traces = [_request(rng, anchor, service, index, schedule, None) for _ in range(count)]
    for extra in faults.extra_requests(faults.active(schedule, anchor, minute), service.name):
        traces += [_request(rng, anchor, service, index, schedule, extra)
                   for _ in range(_poisson(rng, extra.per_minute))]
    return traces


def _request(rng: random.Random, anchor: datetime, service: fleet.Service, index: int,
             schedule: tuple[faults.Fault, ...], extra: faults.ExtraRequests | None) -> TracePlan:
    start_ns = index * 60 * NS + rng.randrange(60 * NS)
    at = datetime.fromtimestamp(start_ns / NS, timezone.utc)
    user = _user(rng) if extra is None else extra.user
    feature = rng.choice(service.features) if extra is None else extra.feature
    request = Request(service=service, start_ns=start_ns, user=user, feature=feature,
                      session=f"s-{user}-{index // 30}", service_version=fleet.service_version(service, at),
                      prompt_version=fleet.prompt_version(service, at, anchor, rng.random()),
                      effects=faults.active(schedule, anchor, at), extra=extra, live=at >= anchor)
    return grow(request, rng)


def minutes(start: datetime, end: datetime) -> Iterator[datetime]:
    """The minutes that overlap [start, end), each on the minute."""
    minute = start.replace(second=0, microsecond=0)
    while minute < end:
        yield minute
        minute += MINUTE


def traffic(seed: int, anchor: datetime, start: datetime, end: datetime, scale: float = 1.0,
            services: tuple[fleet.Service, ...] = fleet.SERVICES,
            schedule: tuple[faults.Fault, ...] = ()) -> list[TracePlan]:
    """Every request of the fleet that starts in [start, end), in start order, under the faults of `schedule`."""
    start_ns, end_ns = to_ns(start), to_ns(end)
    found = [trace for minute in minutes(start, end) for service in services
             for trace in minute_traffic(seed, anchor, service, minute, scale, schedule)
             if start_ns <= trace.start_ns < end_ns]
    return sorted(found, key=lambda t: t.start_ns)

