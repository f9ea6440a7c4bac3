"""Drift benchmark: one drift comparison of 1 million + 1 million llm_calls rows (target <= 10 s).

    .venv/bin/python bench/drift.py [--rows 1000000] [--sample-rows 10000] [--dir DIR] [--fpr-seeds 20]

1. Generates the rows in a fresh embedded store (INSERT ... SELECT FROM numbers(), in chunks,
   deterministic in the row number): `--rows` reference calls spread over the 7 days before
   the last 24 h and `--rows` current calls over the last 24 h, one service x model x feature,
   log-normal tokens, gamma-like durations, half of the calls streaming (time to first token),
   finish reasons and ~3 % errors; the current window's input tokens are x1.5 (a real shift).
   Then compacts the table (OPTIMIZE FINAL), as the service's compaction job leaves closed days.
2. Times one drift job run (`run_drift_job`: hourly counts, stratified sampling in ClickHouse,
   Evidently, the HTML report, the inserts), after a warm-up run that loads Evidently.
3. Ceilings, same store, same run: (a) reading both windows' feature columns in full into
   Arrow (what a comparison without sampling would start from), (b) the two sampling queries
   alone, (c) Evidently alone on the samples.
4. With `--fpr-seeds N`: the false-positive rate of the verdict in the large-sample regime
   (distance tests): N pairs of 10,000-row samples of one distribution through `compare`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.drift.compare import compare  # noqa: E402
from pipelines.drift.frames import CALL_FEATURES, aligned, features_of, window_frame  # noqa: E402
from pipelines.drift.job import DriftConfig, run_drift_job, stratum_quota  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store, query_rows  # noqa: E402
from store.queries import drift as q  # noqa: E402

CHUNK = 500_000
U = "((cityHash64(number, {k}) % 1000000) + 0.5) / 1000000"


def _normal(k: int) -> str:
    """A standard normal from two hashed uniforms (Box-Muller), deterministic in the row number."""
    return f"(sqrt(-2 * log({U.format(k=k)})) * cos(2 * pi() * {U.format(k=k + 1)}))"


def generate(store, rows: int, since: datetime, until: datetime, offset: int, input_scale: float) -> None:
    span = int((until - since).total_seconds() * 1_000_000)
    start = int(since.timestamp() * 1_000_000)
    for first in range(0, rows, CHUNK):
        count = min(CHUNK, rows - first)
        store.command(f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, request_model, feature, input_tokens,
    output_tokens, duration_ns, ttft_ns, finish_reasons, error_type, status)
SELECT fromUnixTimestamp64Micro(toInt64({start} + cityHash64(number, 1) % {span}), 'UTC'),
    hex(cityHash64(number, 2)) || hex(cityHash64(number, 3)), hex(cityHash64(number, 4)),
    'default', 'chat-api', 'gpt-4o', 'answer',
    toInt64(round(exp(6 + {_normal(10)}) * {input_scale})),
    toInt64(round(exp(5 + 0.8 * {_normal(12)}))),
    toUInt64((200 + 600 * {U.format(k=14)} * {U.format(k=15)} * 4) * 1e6),
    if({U.format(k=16)} < 0.5, toUInt64(50e6 + 150e6 * {U.format(k=17)}), NULL),
    [arrayElement(['stop', 'stop', 'stop', 'stop', 'stop', 'stop', 'stop', 'stop', 'length', 'tool_calls'],
                  1 + cityHash64(number, 18) % 10)],
    if(cityHash64(number, 19) % 100 < 3, 'RateLimitError', ''),
    if(cityHash64(number, 19) % 100 < 3, 'error', 'ok')
FROM numbers({offset + first}, {count})""")


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="calls per window")
    parser.add_argument("--sample-rows", type=int, default=10_000, help="drift.sample_rows")
    parser.add_argument("--dir", type=Path, default=None, help="data directory (default: a temporary one)")
    parser.add_argument("--fpr-seeds", type=int, default=0, help="also measure the large-sample false-positive rate")
    args = parser.parse_args()
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="spyglass-bench-drift-"))
    store = open_store(str(data_dir), database="bench_drift")
    try:
        migrate(store)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        day = timedelta(days=1)
        store.command("TRUNCATE TABLE llm_calls")
        seconds, _ = timed(lambda: (generate(store, args.rows, now - 8 * day, now - day, 0, 1.0),
                                    generate(store, args.rows, now - day, now, args.rows, 1.5)))
        print(f"generated 2 x {args.rows:,} llm_calls rows in {seconds:.1f} s")
        seconds, _ = timed(lambda: store.command("OPTIMIZE TABLE llm_calls FINAL"))
        print(f"compacted (OPTIMIZE FINAL) in {seconds:.1f} s")
        config = DriftConfig(sample_rows=args.sample_rows)
        reports = data_dir / "drift-reports"
        run_drift_job(store, config, now, reports)  # warm-up: loads Evidently, warms the page cache
        runs = [timed(lambda: run_drift_job(store, config, now, reports)) for _ in range(3)]
        best = min(runs, key=lambda r: r[0])
        [row] = query_rows(store, "SELECT * FROM drift_results WHERE run_id = {r:String}", {"r": best[1].run_id})
        print(f"drift job, one comparison of {row['reference_rows']:,} + {row['current_rows']:,} rows: "
              f"{best[0]:.2f} s best of 3 ({', '.join(f'{r[0]:.2f}' for r in runs)}); samples "
              f"{row['reference_sample']:,} + {row['current_sample']:,}; verdict drifted={row['drifted']}")
        _ceilings(store, config, now)
        if args.fpr_seeds:
            _false_positive_rate(args.fpr_seeds)
    finally:
        store.close()
        if args.dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


def _ceilings(store, config: DriftConfig, now: datetime) -> None:
    current, reference = config.windows(now)
    columns = "input_tokens, output_tokens, duration_ns, ttft_ns, finish_reasons, error_type"
    sql = f"""SELECT {columns} FROM llm_calls FINAL
WHERE timestamp >= {{since:DateTime64(9, 'UTC')}} AND timestamp < {{until:DateTime64(9, 'UTC')}}"""
    read = 0.0
    for window in (current, reference):
        params = {"since": window.since.strftime("%Y-%m-%d %H:%M:%S"),
                  "until": window.until.strftime("%Y-%m-%d %H:%M:%S")}
        seconds, table = timed(lambda params=params: store.query_arrow(sql, params))
        read += seconds
    print(f"ceiling (a): read both windows in full into Arrow: {read:.2f} s (last window {table.num_rows:,} rows)")
    counts = q.hourly_counts(store, current, reference)
    group = q.Group("default", "chat-api", "gpt-4o", "answer")
    frames, sampled = {}, 0.0
    for name, window in (("current", current), ("reference", reference)):
        quota = stratum_quota(counts[f"{name}_rows"].to_list(), config.sample_rows)
        seconds, calls = timed(lambda window=window, quota=quota: q.sample_calls(store, group, window, quota, config.seed))
        sampled += seconds
        frames[name] = window_frame(calls, calls.clear(), calls.clear())
    print(f"ceiling (b): the two sampling queries alone: {sampled:.2f} s")
    features = features_of(frames["reference"], frames["current"])
    seconds, _ = timed(lambda: compare(aligned(frames["reference"], features),
                                       aligned(frames["current"], features), features, config.thresholds))
    print(f"ceiling (c): Evidently alone on the samples ({len(features)} features): {seconds:.2f} s")


def _false_positive_rate(seeds: int) -> None:
    import numpy as np
    import polars as pl

    def sample(rng, n: int) -> pl.DataFrame:
        return pl.DataFrame({
            "input_tokens": np.round(rng.lognormal(6, 1, n)), "output_tokens": np.round(rng.lognormal(5, 0.8, n)),
            "duration_ms": rng.gamma(2, 300, n), "ttft_ms": np.where(rng.random(n) < 0.5, np.nan, rng.gamma(2, 50, n)),
            "finish_reason": rng.choice(["stop", "length", "tool_calls"], n, p=[0.8, 0.15, 0.05]),
            "error_type": rng.choice(["none", "RateLimitError"], n, p=[0.97, 0.03])}).fill_nan(None)

    features = list(CALL_FEATURES)
    drifted = 0
    for seed in range(seeds):
        rng = np.random.default_rng(10_000 + seed)
        drifted += bool(compare(sample(rng, 10_000), sample(rng, 10_000), features).drifted)
    print(f"false-positive rate, {seeds} seeds of 10,000 vs 10,000 (distance tests): {drifted / seeds:.0%} "
          f"({drifted} of {seeds})")


if __name__ == "__main__":
    main()
