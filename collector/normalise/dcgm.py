"""`dcgm-exporter` output (Prometheus text exposition format 0.0.4) → `gpu_samples` rows.

`parse` is a small, strict parser of the text format: `# HELP` / `# TYPE` and other
comments, label values with `\\\\`, `\\"` and `\\n` escapes, `NaN`/`+Inf`/`-Inf`, an optional
millisecond timestamp. A malformed line raises `ExpositionError` naming the line, as
Prometheus fails a whole scrape on a parse error: a half-read scrape would make GPUs look
absent. (`prometheus_client` is not a dependency; this is all dcgm-exporter needs.)

`rows` maps the samples through the same table as DCGM names arriving over OTLP
(collector/normalise/gpu.py), so both paths give identical rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from collector.normalise.gpu import SOURCE_DCGM, Point, pivot, to_arrow, wanted

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


class ExpositionError(ValueError):
    """The text is not valid Prometheus exposition format."""


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    timestamp_ms: int | None = None


def _labels(line: str, pos: int, number: int) -> tuple[dict[str, str], int]:
    """Parse `{a="x",b="y"}` starting at the `{`; returns the labels and the index after `}`."""
    labels: dict[str, str] = {}
    pos += 1
    while True:
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if pos < len(line) and line[pos] == "}":
            return labels, pos + 1
        match = _LABEL_NAME.match(line, pos)
        if not match:
            raise ExpositionError(f"line {number}: bad label name")
        pos = match.end()
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line[pos:pos + 1] != "=":
            raise ExpositionError(f"line {number}: expected = after label {match.group()!r}")
        pos += 1
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if line[pos:pos + 1] != '"':
            raise ExpositionError(f"line {number}: expected a quoted value for label {match.group()!r}")
        pos += 1
        chars: list[str] = []
        while True:
            if pos >= len(line):
                raise ExpositionError(f"line {number}: unterminated label value")
            char = line[pos]
            if char == "\\":
                escaped = line[pos + 1:pos + 2]
                chars.append(_ESCAPES.get(escaped, "\\" + escaped))
                pos += 2
            elif char == '"':
                pos += 1
                break
            else:
                chars.append(char)
                pos += 1
        labels[match.group()] = "".join(chars)
        while pos < len(line) and line[pos] in " \t":
            pos += 1
        if pos < len(line) and line[pos] == ",":
            pos += 1
        elif pos < len(line) and line[pos] != "}":
            raise ExpositionError(f"line {number}: expected , or }} in labels")


def _value(text: str, number: int) -> float:
    try:
        return float(text)  # accepts NaN, +Inf, -Inf as the format spells them
    except ValueError:
        raise ExpositionError(f"line {number}: bad value {text!r}") from None


def parse(text: str) -> list[Sample]:
    """Exposition text → samples, in order. Comments and HELP/TYPE lines carry no samples."""
    samples: list[Sample] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _NAME.match(line)
        if not match:
            raise ExpositionError(f"line {number}: bad metric name")
        labels: dict[str, str] = {}
        pos = match.end()
        brace = len(line) - len(line[pos:].lstrip(" \t"))  # whitespace may precede the labels
        if line[brace:brace + 1] == "{":
            pos = brace
            labels, pos = _labels(line, pos, number)
        parts = line[pos:].split()
        if not parts or len(parts) > 2 or (pos < len(line) and line[pos] not in " \t"):
            raise ExpositionError(f"line {number}: expected a value and an optional timestamp")
        timestamp = None
        if len(parts) == 2:
            try:
                timestamp = int(parts[1])
            except ValueError:
                raise ExpositionError(f"line {number}: bad timestamp {parts[1]!r}") from None
        samples.append(Sample(match.group(), labels, _value(parts[0], number), timestamp))
    return samples


def points(samples: list[Sample], scraped_at_ns: int, project: str = "default") -> list[Point]:
    """Samples of GPU fields → source-neutral points (the scrape time when a sample has none)."""
    return [Point(s.name, s.value,
                  s.timestamp_ms * 1_000_000 if s.timestamp_ms is not None else scraped_at_ns,
                  {"spyglass.project": project, **s.labels}, SOURCE_DCGM)
            for s in samples if wanted(s.name)]


def rows(text: str, scraped_at_ns: int, default_host: str, project: str = "default") -> pa.Table:
    """One scrape's text → `gpu_samples` rows; `default_host` names GPUs without a host label."""
    return to_arrow(pivot(points(parse(text), scraped_at_ns, project), default_host))
