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
Prints texts/s and MB/s, the best of `--repeat` rounds; each round times every redactor on every workload.
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


def _once(redact: Callable[[str], object], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        redact(text)
    return time.perf_counter() - started


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
    workloads = {"corpus": texts, "transcripts": transcripts, "prose": prose}
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.repeat):  # rounds interleave the redactors, so a busy moment hits them alike
        for name, redact in redactors.items():
            for workload, batch in workloads.items():
                seconds = _once(redact, batch)
                best[name, workload] = min(best.get((name, workload), seconds), seconds)
    print(f"| redactor | workload | texts | MB | seconds (best of {args.repeat}) | texts/s | MB/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, workload), seconds in best.items():
        batch = workloads[workload]
        size = sum(len(t.encode()) for t in batch) / 1e6
        print(f"| {name} | {workload} | {len(batch)} | {size:.2f} | {seconds:.3f} | {len(batch) / seconds:,.0f} | "
              f"{size / seconds:.2f} |")

if __name__ == "__main__":
    main()
