"""The demo's scheduled faults: what goes wrong, when, and what it changes in the generated traffic and GPUs.

A fault is data: a name, the shipped alert rule it trips, a window of simulated time relative to the
demo's anchor (its start; a negative start means the fault began during the backfilled history, which is
how a rule that judges complete hours or a window of hours can fire within minutes of the start), and the
effects the generators apply while it is active. The generators stay pure: a request's effects are a
function of its simulated time and its service, and the effects change values after every random draw
(factors on durations and tokens) or add requests drawn after the fleet's own, so with `--no-faults` the
same seed plays exactly the same fleet, minus the faults.

Why each window is where it is (the rule's window, docs in README "make demo"):
- the prompt loop covers the last complete hour at start, because `cost-spike` judges complete hours;
- the latency regression covers the last 30 minutes at start and goes on for 20, because
  `latency-regression` compares the last 30 minutes and waits `for: 10m`;
- the input drift covers the drift job's current window (the demo's `drift.current_window`, 6 h);
- the idle node covers the six complete hours `gpu-idle` sums;
- the canary is slower and costlier from its rollout on (fleet.CANARY_LEAD before the start);
- the unpriced model arrives a couple of minutes into live play: `unpriced-model` reads the last hour.
Effects that need calls to be judged (the loop, the new model's experiment) bring their own steady rate
of requests, so the rules' minimum counts are met at any hour of the day and at any `--scale`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from demo import fleet


@dataclass(frozen=True)
class Scope:
    """Which model calls an effect touches ('' matches any)."""

    service: str = ""
    provider: str = ""
    model: str = ""
    prompt_version: str = ""

    def matches(self, service: str, provider: str, model: str, prompt_version: str) -> bool:
        wanted = (self.service, self.provider, self.model, self.prompt_version)
        return all(w in ("", got) for w, got in zip(wanted, (service, provider, model, prompt_version), strict=True))


@dataclass(frozen=True)
class Slower:
    """Calls in scope take `factor` times as long (time to first token and generation alike)."""

    scope: Scope
    factor: float


@dataclass(frozen=True)
class MoreTokens:
    """Calls in scope read `input` times and write `output` times as many tokens."""

    scope: Scope
    input: float = 1.0
    output: float = 1.0


@dataclass(frozen=True)
class ExtraRequests:
    """`per_minute` more requests to `service` for `feature`, by one `user`; their model calls read `input`
    times the tokens, and `model` (a fleet.Model name) replaces the service's usual model when set."""

    service: str
    feature: str
    per_minute: float
    user: str
    input: float = 1.0
    model: str = ""


@dataclass(frozen=True)
class IdleHost:
    """The load balancer sends `host` nothing; its GPUs keep reporting (vLLM still holds their memory)."""

    host: str


Effect = Slower | MoreTokens | ExtraRequests | IdleHost


@dataclass(frozen=True)
class Fault:
    name: str
    rule: str                     # the shipped alert rule (alerts/rules/*.yaml) it trips
    start: timedelta              # from the anchor, simulated time; negative: began in the backfill
    duration: timedelta
    effects: tuple[Effect, ...]
    summary: str

    def active(self, anchor: datetime, at: datetime) -> bool:
        return anchor + self.start <= at < anchor + self.start + self.duration


MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
LOOP_USER = "u-webhook"

SCHEDULE: tuple[Fault, ...] = (
    Fault("prompt-loop", "cost-spike", -2 * HOUR, 2 * HOUR + 20 * MINUTE,
          (ExtraRequests(fleet.SUPPORT.name, "ticket-triage", 10.0, LOOP_USER, input=3.0),),
          "support-agent re-triages its own ticket updates (a webhook loop): 10 more requests a minute, each "
          "re-reading the growing thread; the support team's spend multiplies"),
    Fault("provider-latency", "latency-regression", -45 * MINUTE, HOUR + 5 * MINUTE,
          (Slower(Scope(provider=fleet.CLAUDE.provider), 3.0),),
          "Anthropic answers three times slower (time to first token and generation)"),
    Fault("input-drift", "input-drift", -6 * HOUR, 7 * HOUR,
          (MoreTokens(Scope(service=fleet.CHAT.name, model=fleet.OPENAI_MINI.name), input=3.0),),
          "chat-assistant starts sending the whole conversation to gpt-4o-mini: its input length triples"),
    Fault("idle-gpu-node", "gpu-idle", -8 * HOUR, 9 * HOUR, (IdleHost(fleet.IDLE_HOST),),
          f"{fleet.IDLE_HOST} is drained from the Llama pool but keeps its GPUs (and their bill)"),
    Fault("unpriced-model", "unpriced-model", 2 * MINUTE, HOUR,
          (ExtraRequests(fleet.CHAT.name, "summarise", 3.0, "u-eval", model=fleet.NEW_MODEL.name),),
          f"an experiment sends chat-assistant summaries to {fleet.NEW_MODEL.name}, which no price entry covers"),
    Fault("slow-canary", "change-regression", -fleet.CANARY_LEAD, fleet.CANARY_LEAD + 24 * HOUR,
          (Slower(Scope(service=fleet.CANARY_SERVICE, prompt_version=fleet.CANARY_NEW), 1.6),
           MoreTokens(Scope(service=fleet.CANARY_SERVICE, prompt_version=fleet.CANARY_NEW), 1.5, 1.5)),
          f"the canary prompt {fleet.CANARY_NEW} of {fleet.CANARY_SERVICE} is slower and writes and reads more"),
)


def active(schedule: tuple[Fault, ...], anchor: datetime, at: datetime) -> tuple[Effect, ...]:
    """Every effect of the faults active at `at` (simulated time)."""
    return tuple(e for fault in schedule if fault.active(anchor, at) for e in fault.effects)


def call_factors(effects: tuple[Effect, ...], service: str, provider: str, model: str,
                 prompt_version: str) -> tuple[float, float, float]:
    """(duration, input tokens, output tokens) multipliers of one model call under `effects`."""
    duration = inputs = outputs = 1.0
    for e in effects:
        if isinstance(e, Slower) and e.scope.matches(service, provider, model, prompt_version):
            duration *= e.factor
        elif isinstance(e, MoreTokens) and e.scope.matches(service, provider, model, prompt_version):
            inputs, outputs = inputs * e.input, outputs * e.output
    return duration, inputs, outputs


def extra_requests(effects: tuple[Effect, ...], service: str) -> tuple[ExtraRequests, ...]:
    return tuple(e for e in effects if isinstance(e, ExtraRequests) and e.service == service)


def idle_hosts(effects: tuple[Effect, ...]) -> frozenset[str]:
    return frozenset(e.host for e in effects if isinstance(e, IdleHost))


def live_offsets(schedule: tuple[Fault, ...], speed: float) -> list[tuple[Fault, timedelta, timedelta]]:
    """Each fault with its start and end in wall time after the demo's start (live play at `speed`; a start
    in the backfill is 0: it is already on when live play begins)."""
    def wall(offset: timedelta) -> timedelta:
        return max(offset, timedelta(0)) / speed
    return [(f, wall(f.start), wall(f.start + f.duration)) for f in schedule]
