"""Redaction benchmark: the collector's redactor on the labelled PII corpus, against an earlier version.

    .venv/bin/python bench/redaction.py [--baseline REF] [--repeat 5]

Redaction runs in the decode workers on every captured message, so its speed is ingest speed for
projects that capture content. Two workloads, both from tests/helpers/pii_corpus.py:

1. "corpus": every sample of the labelled corpus (1,504 texts: PII and look-alikes, sentences and GenAI
   JSON messages, ~200 bytes each), one `redact` call per text: the cost per message when nearly every
   message carries something that looks like PII;
2. "transcripts": the same texts joined 20 at a time into JSON message lists of ~4 KB (76 texts): the
   cost per byte of longer chat transcripts, still dense with PII;
3. "prose": README.md cut into ~4 KB assistant messages (JSON): ordinary technical text with code, numbers
   and few identifiers, closer to what most captured content is.

`--baseline REF` also times the redactor of `collector/normalise/redaction.py` at git revision REF (the
version before this redactor, when it was one self-contained module) in the same run, on the same texts.
Prints texts/s and MB/s, best of `--repeat` rounds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from collector.normalise.redaction import redactor  # noqa: E402
from tests.helpers.pii_report import corpus, load_redactor  # noqa: E402


def _time(redact: Callable[[str], object], texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            redact(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", help="git revision whose redactor to time as well")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = [s.text for s in corpus()]
    transcripts = [json.dumps([{"role": "user", "parts": [{"type": "text", "content": t}]} for t in texts[i:i + 20]])
                   for i in range(0, len(texts), 20)]
    readme = (ROOT / "README.md").read_text()
    prose = [json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": readme[i:i + 4000]}]}])
             for i in range(0, len(readme), 4000)]
    redactors = {"this version": redactor().redact}
    if args.baseline:
        redactors[f"baseline {args.baseline}"] = load_redactor(args.baseline)
    print(f"| redactor | workload | texts | MB | seconds (best of {args.repeat}) | texts/s | MB/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, redact in redactors.items():
        for workload, batch in (("corpus", texts), ("transcripts", transcripts), ("prose", prose)):
            size = sum(len(t.encode()) for t in batch) / 1e6
            seconds = _time(redact, batch, args.repeat)
            print(f"| {name} | {workload} | {len(batch)} | {size:.2f} | {seconds:.3f} | {len(batch) / seconds:,.0f} | "
                  f"{size / seconds:.2f} |")


if __name__ == "__main__":
    main()
