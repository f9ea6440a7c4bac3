"""`cost_rollup_queue.priced_at`: the version of the cost rows a queued slice holds.

Why: the trace summary job recomputed every trace with a call in each five-minute slice the cost job queued. In
steady state those are the slices of the calls just priced, so each run re-summarised the whole open slice (up to
3.75 M calls at 12,500 calls/s) to take in the few seconds of new ones: 16-39 % of the wall time under full
ingest (docs/benchmarks.md section 19). With the version (`priced_at` of the rows the run wrote) the job reads
the cost rows written by that run, and recomputes only their traces.

Rows queued before, and the GPU cost job's (its allocations have no such version), keep the default 0: the whole
slice, as before. The rollup job reads slices only and is unchanged.
"""

from store.ddl import DDL

NAME = "queued versions"


def statements(ddl: DDL) -> list[str]:
    return ddl.add_column("cost_rollup_queue", "`priced_at` DateTime64(3, 'UTC') DEFAULT 0", "source")
