"""Precision and recall of every detector on its synthetic scenarios, and the params reference: the generated
parts of docs/detectors.md.

    .venv/bin/python -m tests.helpers.detector_scores            # print the table (about 25 s)
    .venv/bin/python -m tests.helpers.detector_scores --write    # and write both parts into docs/detectors.md

tests/detectors/test_scores.py computes the same table and params reference and fails when the
document's differ, so the published numbers and defaults are always the code's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from detectors.registry import DETECTORS
from tests.helpers import synthetic_calls, synthetic_costs, synthetic_ops, synthetic_quality, synthetic_releases
from tests.helpers.backtest import Scenario, Score, score, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "detectors.md"


def scenarios() -> list[Scenario]:
    return [*synthetic_costs.cost_scenarios(), *synthetic_calls.latency_scenarios(),
            *synthetic_calls.burn_rate_scenarios(), *synthetic_costs.budget_scenarios(),
            *synthetic_ops.gpu_idle_scenarios(), *synthetic_ops.gpu_load_scenarios(),
            *synthetic_ops.drift_scenarios(), *synthetic_quality.quality_scenarios(),
            *synthetic_costs.unpriced_scenarios(), *synthetic_ops.no_data_scenarios(),
            *synthetic_releases.change_scenarios()]


def scores() -> list[Score]:
    return [score(s) for s in scenarios()]


def params_reference() -> str:
    """Per detector, its params with their defaults and meaning, from the params models."""
    parts = []
    for name, detector in sorted(DETECTORS.items()):
        defaults = detector.params({}).model_dump(mode="json")
        rows = [f"| `{field}` | `{json.dumps(defaults[field])}` | {info.description} |"
                for field, info in detector.Params.model_fields.items()]
        dims = getattr(detector.Params, "DIMENSIONS", ())
        known = f" Dimensions: {', '.join(f'`{d}`' for d in dims)}." if dims else ""
        parts.append(f"**`{name}`**: {detector.summary}{known}\n\n| param | default | meaning |\n|---|---|---|\n"
                     + "\n".join(rows))
    return "\n\n".join(parts)


def published(part: str, text: str) -> str:
    """A generated part (`scores` or `params`) of docs/detectors.md, between its markers."""
    return text.split(f"<!-- {part}:begin -->", 1)[1].split(f"<!-- {part}:end -->", 1)[0].strip()


def write(parts: dict[str, str], path: Path = DOC) -> None:
    text = path.read_text()
    for part, body in parts.items():
        begin, end = f"<!-- {part}:begin -->", f"<!-- {part}:end -->"
        head, rest = text.split(begin, 1)
        text = f"{head}{begin}\n{body}\n{end}{rest.split(end, 1)[1]}"
    path.write_text(text)


def main(argv: list[str]) -> None:
    text = table(scores())
    print(text)  # noqa: T201 - a command-line report
    if "--write" in argv:
        write({"scores": text, "params": params_reference()})


if __name__ == "__main__":
    main(sys.argv[1:])
