"""What the simulated fleet is made of: its services, models, teams, features, users and versions.

Static data, no behaviour beyond looking versions up by time. Providers are spelled as the OTel GenAI
conventions name them (`gen_ai.provider.name`: `openai`, `anthropic`, `gcp.gemini`) and the self-hosted
server as store/providers.py knows it (`vllm`), so the collector stores them under their canonical names
and the shipped price catalog prices the API models. Versions are pure functions of time: a service
deploys a new `service.version` every few days (counted from the Unix epoch, so any window of a week
sees several), and one prompt version rolls out as a canary a few hours before the demo's anchor (its start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
GPU_HOST = "gpu-node-1"          # the vLLM-like host: `server.address` of its calls, `host.name` of its GPUs
DCGM_HOST = "gpu-node-2"         # a Llama replica in the pool from the demo's start, scraped through dcgm-exporter text
IDLE_HOST = "gpu-node-3"         # a Llama replica reporting through the gpu-agent; the idle-node fault drains it
AGENT_HOSTS = (GPU_HOST, IDLE_HOST)
GPU_MODEL = "NVIDIA H100 80GB HBM3"
GPU_COUNT = 2


@dataclass(frozen=True)
class Model:
    """A model as a provider serves it: what it answers with, token sizes (log-normal medians), speed."""

    provider: str
    name: str
    response_name: str          # the snapshot the provider answers with
    input_median: int
    output_median: int
    tokens_per_second: float    # output streaming speed
    ttft_median_s: float        # time to the first token
    error_rate: float


OPENAI_MINI = Model("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 900, 220, 95.0, 0.35, 0.006)
OPENAI_4O = Model("openai", "gpt-4o", "gpt-4o-2024-08-06", 1500, 380, 70.0, 0.55, 0.008)
OPENAI_EMBED = Model("openai", "text-embedding-3-small", "text-embedding-3-small", 60, 0, 0.0, 0.08, 0.002)
CLAUDE = Model("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 2600, 420, 60.0, 0.9, 0.005)
GEMINI = Model("gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash", 3200, 300, 140.0, 0.45, 0.012)
LLAMA = Model("vllm", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", 1100, 260, 110.0,
              0.12, 0.004)
# The unpriced-model fault's model: no entry of the shipped price catalog covers it.
NEW_MODEL = Model("openai", "gpt-6-mini-preview", "gpt-6-mini-preview-2026-11-20", 900, 240, 120.0, 0.3, 0.004)
MODELS = {m.name: m for m in (OPENAI_MINI, OPENAI_4O, NEW_MODEL)}
RERANKER = Model("vllm", "BAAI/bge-reranker-v2-m3", "BAAI/bge-reranker-v2-m3", 2400, 0, 0.0, 0.05, 0.002)


@dataclass(frozen=True)
class Service:
    """One application of the fleet: who owns it, what it serves, how busy it is, how often it deploys."""

    name: str
    kind: str                   # which span tree it produces (demo/trees.py)
    team: str
    features: tuple[str, ...]
    requests_per_minute: float  # at the daily peak, on a weekday
    deploy_every_days: int
    prompt: str
    environment: str = "production"


CHAT = Service("chat-assistant", "chat", "consumer", ("chat", "summarise"), 3.0, 3, "assistant-system")
RAG = Service("rag-search", "rag", "search", ("docs-search", "kb-answers"), 1.5, 4, "rag-answer")
SUPPORT = Service("support-agent", "agent", "support", ("ticket-triage", "refunds"), 0.8, 5, "support-triage")
CODE_REVIEW = Service("code-review-bot", "self_hosted", "platform", ("code-review", "commit-summary"), 1.25, 6,
                      "review-diff")
SERVICES = (CHAT, RAG, SUPPORT, CODE_REVIEW)

USERS = tuple(f"u-{n:04d}" for n in range(1, 121))
TOOLS = ("lookup_customer", "search_orders", "issue_refund", "search_kb")

# The canary: the support agent's prompt moves from v3 to v4, on a share of its traffic, from a few hours
# before the anchor (so the backfill holds a canary window and the canary job has both sides to compare).
CANARY_SERVICE = SUPPORT.name
CANARY_STABLE = "v3"
CANARY_NEW = "v4"
CANARY_SHARE = 0.2
CANARY_LEAD = timedelta(hours=3)


def llama_host(span_id: str, live: bool, idle: frozenset[str]) -> str:
    """The replica that serves a Llama call: a hash of its span id over the pool (the DCGM-scraped replica
    joins when live play starts; a drained host is out), so routing draws nothing from the request's random."""
    pool = [h for h in (GPU_HOST, IDLE_HOST) if h not in idle] + ([DCGM_HOST] if live else [])
    return pool[int(span_id, 16) % len(pool)] if pool else GPU_HOST


def service_version(service: Service, at: datetime) -> str:
    """The version deployed at `at`: one minor release every `deploy_every_days`, counted from the epoch."""
    days = (at - EPOCH) // timedelta(days=1)
    release = days // service.deploy_every_days
    return f"2.{release % 100}.0"


def prompt_version(service: Service, at: datetime, anchor: datetime, draw: float) -> str:
    """The prompt version a request at `at` uses; `draw` (uniform 0-1) picks the canary side."""
    if service.name == CANARY_SERVICE:
        in_canary = at >= anchor - CANARY_LEAD and draw < CANARY_SHARE
        return CANARY_NEW if in_canary else CANARY_STABLE
    weeks = (at - EPOCH) // timedelta(days=7)
    return f"v{weeks % 5 + 1}"
