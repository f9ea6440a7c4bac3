"""A data directory holding a backlog of unpriced LLM calls, made in a child process (this process's
embedded store is bound to the session's own directory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_SEED = """
import sys
from spyglass.schema import migrate
from store import open_store
store = open_store(sys.argv[1])
migrate(store)
store.command('''
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, provider, request_model,
                       input_tokens, output_tokens, usage_reported, ingested_at)
SELECT now64(9) - toIntervalSecond(number % 86400), lower(hex(cityHash64(number, 1))) || lower(hex(number)),
       lower(hex(cityHash64(number))), 'default', 'chat-api', 'openai', 'gpt-4o', 1000, 200, true, now64(3)
FROM numbers({n:UInt64})''', {'n': int(sys.argv[2])})
store.close()
"""


def seed_backlog(data_dir: Path, calls: int) -> None:
    """`calls` LLM calls of the last day in `data_dir`, none of them priced yet."""
    subprocess.run([sys.executable, "-c", _SEED, str(data_dir), str(calls)], check=True, timeout=300,
                   cwd=Path(__file__).resolve().parents[2])
