"""Precision and recall of every detector on its synthetic scenarios: the table docs/detectors.md publishes.

    .venv/bin/python -m tests.helpers.detector_scores            # print the table (about 25 s)
    .venv/bin/python -m tests.helpers.detector_scores --write    # and put it into docs/detectors.md

tests/detectors/test_scores.py computes the same table and fails when the document's differs, so
the published numbers are always the code's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.helpers import synthetic_calls, synthetic_costs, synthetic_ops, synthetic_quality
from tests.helpers.backtest import Scenario, Score, score, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "detectors.md"
BEGIN, END = "<!-- scores:begin -->", "<!-- scores:end -->"


def scenarios() -> list[Scenario]:
    return [*synthetic_costs.cost_scenarios(), *synthetic_calls.latency_scenarios(),
            *synthetic_calls.burn_rate_scenarios(), *synthetic_costs.budget_scenarios(),
            *synthetic_ops.gpu_idle_scenarios(), *synthetic_ops.gpu_load_scenarios(),
            *synthetic_ops.drift_scenarios(), *synthetic_quality.quality_scenarios(),
            *synthetic_costs.unpriced_scenarios(), *synthetic_ops.no_data_scenarios()]


def scores() -> list[Score]:
    return [score(s) for s in scenarios()]


def published(text: str) -> str:
    """The table between the markers of docs/detectors.md."""
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write(table_text: str, path: Path = DOC) -> None:
    text = path.read_text()
    head, rest = text.split(BEGIN, 1)
    path.write_text(f"{head}{BEGIN}\n{table_text}\n{END}{rest.split(END, 1)[1]}")


def main(argv: list[str]) -> None:
    text = table(scores())
    print(text)  # noqa: T201 - a command-line report
    if "--write" in argv:
        write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
