"""Real instrumentations, real SDKs, real OTLP: every call is priced exactly, whatever counts it reports.

Each instrumentation package (OpenLIT, OpenInference, OpenLLMetry, the OpenTelemetry contrib
ones) runs in an app process of its own (tests/helpers/instrumented_app.py) that calls a local
endpoint answering with the provider's own response shape (tests/helpers/provider_endpoints.py):
OpenAI with cached and reasoning tokens, Anthropic with cache read and write, Gemini with
cached and thinking tokens. The spans go through the real OTLP exporter into a running
service, whose collector and cost job price them. The expected costs are worked out below
from the shipped prices; they are the same for every instrumentation that reports the counts,
because the accounting rules keyed by instrumentation undo their differences.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from pathlib import Path

import pytest

from pipelines.costs.catalog import load_shipped
from pipelines.costs.pricing import Call, price_call
from tests.helpers.catalogs import utc
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.instrumented_app import PAIRS, service_name
from tests.helpers.provider_endpoints import provider_endpoints
from tests.helpers.stores import drop_database
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("instrumentations")
ROOT = Path(__file__).resolve().parents[3]

# o4-mini: input 1.10, cache read 0.275, output (and reasoning) 4.40 per million. The API reports
# 2000 prompt tokens of which 1500 cached, 600 completion tokens of which 400 reasoning:
# 500 x 1.10 + 1500 x 0.275 + 200 x 4.40 + 400 x 4.40 = 3602.5 per million.
OPENAI = D("0.0036025")
# The contrib OpenAI instrumentation (openai-v2 2.4b0) reports no cached tokens for chat completions:
# all 2000 input tokens at the input price, 2000 x 1.10 + 600 x 4.40 = 4840 per million.
OPENAI_WITHOUT_CACHE = D("0.00484")
# claude-sonnet-4-5: input 3, cache read 0.30, cache write 3.75, output 15. Native usage: input 100
# (without the cache), cache read 2000, cache write 300, output 50: 300 + 600 + 1125 + 750 per million.
ANTHROPIC = D("0.002775")
# gemini-2.5-pro: input 1.25, cache read 0.125, output and thinking 10. Prompt 1000 of which 400 cached,
# candidates 200 plus thoughts 300: 600 x 1.25 + 400 x 0.125 + 500 x 10 = 5800 per million.
GEMINI = D("0.0058")

# instrumentation, API -> (provider stored, scope name, rule applied, cost)
EXPECTED = {
    ("openlit", "openai"): ("openai", "openlit.instrumentation.openai", "openai", OPENAI),
    ("openlit", "anthropic"): ("anthropic", "openlit.instrumentation.anthropic",
                               "openlit.instrumentation.anthropic anthropic", ANTHROPIC),
    ("openlit", "gemini"): ("gcp.gemini", "openlit.instrumentation.google_ai_studio",
                            "openlit.instrumentation.google_ai_studio gcp.gemini", GEMINI),
    ("openinference", "openai"): ("openai", "openinference.instrumentation.openai", "openai", OPENAI),
    ("openinference", "anthropic"): ("anthropic", "openinference.instrumentation.anthropic", "anthropic", ANTHROPIC),
    ("openinference", "gemini"): ("gcp.gen_ai", "openinference.instrumentation.google_genai", "gcp.gen_ai", GEMINI),
    ("openllmetry", "openai"): ("openai", "opentelemetry.instrumentation.openai.v1", "openai", OPENAI),
    ("openllmetry", "anthropic"): ("anthropic", "opentelemetry.instrumentation.anthropic", "anthropic", ANTHROPIC),
    ("contrib", "openai"): ("openai", "opentelemetry.util.genai.handler", "openai", OPENAI_WITHOUT_CACHE),
    ("contrib", "gemini"): ("gcp.gemini", "opentelemetry.util.genai.handler", "gcp.gemini", GEMINI),
}
ENTRIES = {"openai": "openai-o4-mini", "anthropic": "anthropic-claude-sonnet-4-5", "gemini": "gemini-2.5-pro"}


def _run_app(pair: tuple[str, str], base_url: str, otlp_http: str) -> str:
    result = subprocess.run([sys.executable, "-m", "tests.helpers.instrumented_app", *pair, base_url, otlp_http],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    return "" if result.returncode == 0 else f"{pair}: exit {result.returncode}: {result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def priced(chdb_dir: Path) -> dict[str, dict]:
    """Every instrumentation x API run once against one service; its cost rows by service name."""
    running = RunningService(make_settings("chdb", chdb_dir, costs={"interval_seconds": 0.2}))
    try:
        with provider_endpoints() as base_url, ThreadPoolExecutor(2) as pool:
            failures = [f for f in pool.map(lambda pair: _run_app(pair, base_url, running.otlp_http), PAIRS) if f]
        assert not failures, "\n".join(failures)
        rows = eventually(lambda: len(found := running.rows("""
SELECT c.*, l.provider AS stored_provider, l.scope_name AS stored_scope
FROM request_costs AS c FINAL JOIN llm_calls AS l FINAL USING (trace_id, span_id)""")) >= len(PAIRS) and found,
                          timeout=60, interval=0.2, what="every instrumentation's call priced")
        yield {r["service_name"]: r for r in rows}
    finally:
        running.stop()
        drop_database(running.settings.data_dir, running.settings.clickhouse_url, running.settings.database)


def test_every_instrumentation_and_api_ran() -> None:
    assert set(EXPECTED) == set(PAIRS)


@pytest.mark.parametrize(("instrumentation", "api"), PAIRS)
def test_each_instrumentation_is_priced_exactly(priced, instrumentation: str, api: str) -> None:
    provider, scope, rule, cost = EXPECTED[(instrumentation, api)]
    row = priced[service_name(instrumentation, api)]
    assert (row["stored_provider"], row["stored_scope"], row["scope_name"]) == (provider, scope, scope)
    assert row["priced"] is True and row["flags"] == [] and row["reason"] == "", row
    assert row["entry_id"] == ENTRIES[api] and row["price_basis"] == "provider"
    assert row["rule"].split(":")[0] == rule
    assert row["cost_total"] == cost


def test_without_its_instrumentation_rule_openlits_cached_anthropic_call_would_be_flagged() -> None:
    """What the issue reported: OpenLIT passes Anthropic's native input count (cache excluded) on, so under
    the provider's convention rule its cache exceeds its input; the instrumentation's rule prices it."""
    catalog = load_shipped()
    call = Call("anthropic", "claude-sonnet-4-5-20250929", utc(2026, 1, 1), input_tokens=100, output_tokens=50,
                cache_read_tokens=2000, cache_write_tokens=300)
    _, plain = price_call(catalog, call)
    assert not plain.priced and plain.flags == ("cache_exceeds_input",)
    _, ruled = price_call(catalog, Call(**{**call.__dict__, "scope": "openlit.instrumentation.anthropic"}))
    assert ruled.priced and ruled.total == ANTHROPIC
    assert ruled.rule == "openlit.instrumentation.anthropic anthropic: input_includes_cache=false," \
                         "output_includes_reasoning=true"
