"""Recall and false positives of the redactor per kind, measured on the labelled corpus; prints the docs' table.

    .venv/bin/python -m tests.helpers.pii_report                   # the tables of docs/redaction.md
    .venv/bin/python -m tests.helpers.pii_report --baseline REF    # and recall of the redactor at git REF

A PII sample counts as redacted only when the output is exactly the text with the planted value replaced
by `[REDACTED:<kind>]`: the value is gone, under its own kind, and nothing around it was eaten. A false
positive is a redaction of a kind that was not planted there: in a look-alike sample (which must come out
unchanged) or beside the planted value. The test (tests/collector/normalise/test_pii_recall.py) and the
docs use this same code.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import types
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from collector.normalise.redaction import KINDS, Redaction, redactor
from tests.helpers.pii_corpus import Sample, lookalike_samples, pii_samples

ROOT = Path(__file__).resolve().parents[2]
_TOKEN = re.compile(r"\[REDACTED:\w+\]")


@dataclass
class Tally:
    """One row of the table: a kind (or a look-alike family)."""

    strings: set[str] = field(default_factory=set)
    samples: int = 0
    ok: int = 0
    any_kind: int = 0  # the value (and nothing else) replaced, under whatever kind name
    false_positives: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.ok / self.samples if self.samples else 0.0


@dataclass
class Measurement:
    kinds: dict[str, Tally]
    families: dict[str, Tally]
    misses: list[tuple[Sample, str]]  # (sample, what came out) for every sample not exactly right

    def false_positives(self, kind: str) -> int:
        """Redactions of `kind` where none was planted, across the whole corpus."""
        return sum(t.false_positives[kind] for t in [*self.kinds.values(), *self.families.values()])


def measure(samples: Iterable[Sample], redact: Callable[[str], Redaction] | None = None) -> Measurement:
    """Run every sample through `redact` (the collector's redactor by default) and tally per label."""
    redact = redact or redactor().redact
    kinds: dict[str, Tally] = defaultdict(Tally)
    families: dict[str, Tally] = defaultdict(Tally)
    misses = []
    for sample in samples:
        tally = (kinds if sample.pii else families)[sample.label]
        result = redact(sample.text)
        tally.strings.add(sample.value)
        tally.samples += 1
        expected = Counter({sample.label: 1}) if sample.pii else Counter()
        tally.false_positives.update(result.counts - expected)
        if result.text == sample.expected and result.counts == expected:
            tally.ok += 1
        if _TOKEN.sub("[REDACTED]", result.text) == _TOKEN.sub("[REDACTED]", sample.expected):
            tally.any_kind += 1
        else:
            misses.append((sample, result.text))
    return Measurement(dict(kinds), dict(families), misses)


def corpus() -> list[Sample]:
    return pii_samples() + lookalike_samples()


def tables(m: Measurement) -> str:
    """The two Markdown tables of docs/redaction.md."""
    lines = ["| kind | PII strings | samples (sentence + JSON) | redacted exactly | recall | false positives |",
             "|---|---:|---:|---:|---:|---:|"]
    for kind in KINDS:
        t = m.kinds.get(kind, Tally())
        fps = m.false_positives(kind)
        lines.append(f"| `{kind}` | {len(t.strings)} | {t.samples} | {t.ok} | {t.rate:.1%} | {fps} |")
    total = Tally(samples=sum(t.samples for t in m.kinds.values()), ok=sum(t.ok for t in m.kinds.values()))
    strings = sum(len(t.strings) for t in m.kinds.values())
    fps = sum(m.false_positives(k) for k in KINDS)
    lines.append(f"| **all** | **{strings}** | **{total.samples}** | **{total.ok}** | **{total.rate:.1%}** "
                 f"| **{fps}** |")
    lines += ["", "| look-alike family | strings | samples (sentence + JSON) | unchanged | redacted by mistake |",
              "|---|---:|---:|---:|---|"]
    for family, t in m.families.items():
        wrong = ", ".join(f"{k} {n}" for k, n in sorted(t.false_positives.items())) or "none"
        lines.append(f"| `{family}` | {len(t.strings)} | {t.samples} | {t.ok} | {wrong} |")
    strings = sum(len(t.strings) for t in m.families.values())
    samples, ok = sum(t.samples for t in m.families.values()), sum(t.ok for t in m.families.values())
    lines.append(f"| **all** | **{strings}** | **{samples}** | **{ok}** | |")
    return "\n".join(lines)


def load_redactor(ref: str) -> Callable[[str], Redaction]:
    """The redactor of an earlier git revision, when collector/normalise/redaction.py was self-contained."""
    source = subprocess.run(["git", "show", f"{ref}:collector/normalise/redaction.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType(f"redaction_{ref}")
    sys.modules[module.__name__] = module  # dataclasses look their module up while the class is created
    exec(compile(source, f"{ref}:redaction.py", "exec"), module.__dict__)
    return module.redactor().redact


def comparison(now: Measurement, before: Measurement, ref: str) -> str:
    """Per kind, the share of PII samples whose value was replaced (under any kind name), now and at `ref`."""
    lines = [f"| kind | value redacted, this version | value redacted, {ref} |", "|---|---:|---:|"]
    for kind in KINDS:
        a, b = now.kinds[kind], before.kinds[kind]
        lines.append(f"| `{kind}` | {a.any_kind / a.samples:.1%} | {b.any_kind / b.samples:.1%} |")
    unchanged = [sum(t.ok for t in m.families.values()) for m in (now, before)]
    total = sum(t.samples for t in now.families.values())
    lines.append(f"| look-alikes unchanged | {unchanged[0]} of {total} | {unchanged[1]} of {total} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="git revision whose redactor to measure as well")
    args = parser.parse_args()
    measurement = measure(corpus())
    print(tables(measurement))
    if args.baseline:
        print()
        print(comparison(measurement, measure(corpus(), load_redactor(args.baseline)), args.baseline))
    for sample, out in measurement.misses[:20]:
        print(f"\nMISS {sample.label} ({sample.shape}): {sample.text!r}")
        print(f"  got      {out!r}\n  expected {sample.expected!r}")


if __name__ == "__main__":
    main()
