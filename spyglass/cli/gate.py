"""`spyglass gate`: a CI/CD pipeline's canary step asks the running service whether the candidate is worse than the
baseline, and gets an exit code.

    spyglass gate --service chat-api --by service_version --baseline 1.4.0 --candidate 1.5.0 [--since 30m]
        [--max-p95-increase 10%] [--max-error-rate-increase 0.5pp] [--max-cost-increase 5%] [--min-pass-rate 0.9]
        [--wait 15m] [--allow-marginal] [--format table|json]

Exit codes: 0 pass; 1 fail (the verdict, or a limit exceeded; a marginal verdict too unless --allow-marginal);
2 insufficient data (after polling up to --wait for enough calls); 3 usage or connection error (one line on
stderr). The explicit limits are applied on top of the verdict to the measured values (candidate against
baseline); a limit whose metric has no value on a side cannot be checked, which is insufficient data.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from decimal import Decimal

from client.models.compare import Comparison, MetricComparison
from client.models.wire import decimal_text
from client.releases import CompareQuery
from spyglass.cli.remote import add_api_arguments, call
from spyglass.timerange import parse_duration
from store.errors import BadInput, SpyglassError

PASS, FAIL, INSUFFICIENT, USAGE = 0, 1, 2, 3
BY = ("service_version", "prompt_version", "model", "provider")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|pp)?\s*$")


@dataclass(frozen=True)
class Limit:
    """One explicit limit: the metric it reads, its threshold, and the flag (with its text) that set it."""

    metric: str
    flag: str
    text: str  # as given, for the message
    threshold: float  # a relative increase, an increase in points (as a share), or a floor (quality)

    def breach(self, m: MetricComparison) -> str | None:
        """The breach in words, or None when the candidate is within the limit."""
        if self.metric == "quality_pass_rate":
            rate = float(m.candidate or 0)
            return f"{m.label} {rate:.1%} is below {self.flag} {self.text}" if rate < self.threshold else None
        if self.metric == "error_rate":
            points = float(m.difference or 0)
            return (f"{m.label} {points * 100:+.2f} pp exceeds {self.flag} {self.text}"
                    if points > self.threshold + 1e-12 else None)
        rise = _relative(m)
        return f"{m.label} {rise:+.1%} exceeds {self.flag} {self.text}" if rise > self.threshold + 1e-12 else None


def add_parser(verbs: argparse._SubParsersAction) -> None:
    gate = verbs.add_parser("gate", help="CI/CD canary gate: compare a candidate version with the baseline; exit "
                                         "0 pass, 1 fail, 2 insufficient data, 3 usage or connection error")
    gate.add_argument("--service", required=True, help="the service whose calls are compared")
    gate.add_argument("--by", choices=BY, default="service_version", help="what tells the versions apart")
    gate.add_argument("--baseline", required=True, help="the version serving now")
    gate.add_argument("--candidate", required=True, help="the version being rolled out")
    gate.add_argument("--since", default="30m", help="window: a look-back such as 30m, or RFC 3339 (default 30m)")
    gate.add_argument("--project", action="append", default=[], help="only this project (repeatable)")
    gate.add_argument("--model", action="append", default=[], help="only calls of this model (repeatable)")
    gate.add_argument("--prompt-name", action="append", default=[], help="only calls of this prompt (repeatable)")
    gate.add_argument("--max-p95-increase", help="fail when p95 latency rises more than this (e.g. 10%%)")
    gate.add_argument("--max-error-rate-increase", help="fail when the error rate rises more than this "
                                                        "(percentage points, e.g. 0.5pp)")
    gate.add_argument("--max-cost-increase", help="fail when the cost per request rises more than this (e.g. 5%%)")
    gate.add_argument("--min-pass-rate", help="fail when the candidate's quality pass rate is below this (e.g. 0.9)")
    gate.add_argument("--wait", default="0s", help="poll up to this long for enough calls (e.g. 15m; default: "
                                                   "no wait)")
    gate.add_argument("--allow-marginal", action="store_true", help="a marginal verdict passes (exit 0)")
    gate.add_argument("--format", choices=("table", "json"), default="table")
    add_api_arguments(gate)


def _number(text: str, flag: str, unit: str) -> float:
    """A limit's value: `10%` or `10` (percent), `0.5pp` or `0.5` (points), `0.9` (a rate)."""
    match = _NUMBER.match(text)
    if not match or (match.group(2) and match.group(2) != unit):
        raise BadInput(f"{flag}: {text!r} is not a number{' of ' + unit if unit else ''} (e.g. "
                       f"{dict(zip(('%', 'pp', ''), ('10%', '0.5pp', '0.9'), strict=True))[unit]})")
    value = float(match.group(1))
    return value / 100 if unit else value


# flag -> (metric, unit of its value)
_LIMITS = {"--max-p95-increase": ("latency_p95", "%"), "--max-error-rate-increase": ("error_rate", "pp"),
           "--max-cost-increase": ("cost_per_request", "%"), "--min-pass-rate": ("quality_pass_rate", "")}


def limits(args: argparse.Namespace) -> list[Limit]:
    """The explicit limits the flags set (BadInput for a value that is not one)."""
    found = []
    for flag, (metric, unit) in _LIMITS.items():
        text = getattr(args, flag[2:].replace("-", "_"))
        if text is None:
            continue
        threshold = _number(text, flag, unit)
        if metric == "quality_pass_rate" and not 0 <= threshold <= 1:
            raise BadInput(f"{flag}: {text!r} is not between 0 and 1")
        found.append(Limit(metric, flag, text, threshold))
    return found


def _relative(m: MetricComparison) -> float:
    base, cand = float(m.baseline or 0), float(m.candidate or 0)
    return (cand - base) / base if base else (0.0 if cand == base else float("inf"))


def decide(comparison: Comparison, checks: list[Limit], allow_marginal: bool) -> tuple[int, list[str], list[str]]:
    """(exit code, limits exceeded, limits that could not be checked) for a comparison."""
    metrics = {m.name: m for m in comparison.metrics}
    exceeded, unchecked = [], []
    for limit in checks:
        metric = metrics.get(limit.metric)
        needs_baseline = limit.metric != "quality_pass_rate"
        if metric is None or metric.candidate is None or (needs_baseline and metric.baseline is None):
            unchecked.append(f"{limit.flag} {limit.text}: no {limit.metric} value on a side")
        elif (breach := limit.breach(metric)) is not None:
            exceeded.append(breach)
    if comparison.verdict == "fail" or exceeded or (comparison.verdict == "marginal" and not allow_marginal):
        return FAIL, exceeded, unchecked
    if comparison.verdict == "insufficient_data" or unchecked:
        return INSUFFICIENT, exceeded, unchecked
    return PASS, exceeded, unchecked


def run(args: argparse.Namespace) -> int:
    try:
        checks = limits(args)
        wait = parse_duration(args.wait, "--wait").total_seconds()
        query = CompareQuery(by=args.by, baseline=args.baseline, candidate=args.candidate, since=args.since,
                             projects=tuple(args.project), services=(args.service,), models=tuple(args.model),
                             prompt_names=tuple(args.prompt_name))
        deadline = time.monotonic() + wait
        while True:
            comparison = call(args, "gate", lambda api: api.compare(query))
            code, exceeded, unchecked = decide(comparison, checks, args.allow_marginal)
            if code != INSUFFICIENT or time.monotonic() >= deadline:
                break
            time.sleep(min(30.0, max(1.0, wait / 10), max(0.0, deadline - time.monotonic())))
    except SpyglassError as exc:
        print("spyglass gate: " + " ".join(str(exc).split()), file=sys.stderr)
        return USAGE
    if args.format == "json":
        print(json.dumps({"gate": _WORDS[code], "exit_code": code, "limits_exceeded": exceeded,
                          "limits_unchecked": unchecked, "comparison": comparison.model_dump(mode="json")}, indent=2))
    else:
        print("\n".join(table(comparison, exceeded, unchecked, code)))
    return code


_WORDS = {PASS: "pass", FAIL: "fail", INSUFFICIENT: "insufficient_data"}


def table(c: Comparison, exceeded: list[str], unchecked: list[str], code: int) -> list[str]:
    """The per-metric table a pipeline's log shows, then the reasons and the gate's answer."""
    score = f"{c.score:g}" if c.score is not None else "-"
    lines = [f"{c.by} {c.baseline} -> {c.candidate}: verdict {c.verdict.upper()}, score {score} "
             f"({c.baseline_calls} baseline calls, {c.candidate_calls} candidate calls)",
             f"{'metric':<36} {'baseline':>14} {'candidate':>14} {'change':>9} {'95% interval':>31} "
             f"{'p (Holm)':>9}  outcome"]
    for m in c.metrics:
        interval = f"[{_value(m, m.ci_low, True)}, {_value(m, m.ci_high, True)}]" if m.ci_low is not None else "-"
        change = f"{m.relative_difference:+.1%}" if m.relative_difference is not None else "-"
        p = f"{m.p_value_corrected:.4f}" if m.p_value_corrected is not None else "-"
        mark = " (critical)" if m.critical and m.outcome == "worse" else ""
        lines.append(f"{m.label + ' (' + m.unit + ')':<36} {_value(m, m.baseline):>14} {_value(m, m.candidate):>14} "
                     f"{change:>9} {interval:>31} {p:>9}  {m.outcome.replace('_', ' ')}{mark}")
    lines += [f"reason: {reason}" for reason in c.reasons]
    lines += [f"limit exceeded: {text}" for text in exceeded]
    lines += [f"limit not checked: {text}" for text in unchecked]
    lines.append(f"gate: {_WORDS[code]} (exit {code})")
    return lines


def _value(m: MetricComparison, value: object, signed: bool = False) -> str:
    if value is None:
        return "-"
    if m.unit == "USD" and isinstance(value, Decimal):  # money: exact, without trailing zeros
        text = decimal_text(value)
        return f"+{text}" if signed and value >= 0 else text
    number = float(value)  # type: ignore[arg-type]
    if m.unit == "share":
        return f"{number * 100:+.2f}pp" if signed else f"{number:.2%}"
    return f"{number:+.1f}" if signed else f"{number:.1f}"
