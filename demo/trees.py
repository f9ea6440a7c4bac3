"""The span tree of one request to each kind of service, as its instrumentation would record it.

Pure: a request (service, start, user, feature, versions) and a seeded `random.Random` give one
`TracePlan`. Model-call spans carry the GenAI semantic-convention attributes the collector reads
(operation, provider, request and response model, typed usage with cache reads, time to first
token, finish reasons, error type) plus Spyglass's attribution (`spyglass.feature`, `user.id`,
`session.id`, `spyglass.prompt.name/version`); the team and the service version are resource
attributes, as a deployment sets them. Agent, tool and retrieval spans name their operation, so the
collector keeps them out of `llm_calls` (they are not model calls). A failed model call fails its
parents and ends the request, as an unhandled provider error does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

from demo import faults, fleet
from demo.fleet import Model
from demo.spans import Attributes, Event, SpanPlan, TracePlan, new_span_id, new_trace_id

MS = 1_000_000
SECOND = 1_000_000_000
ERROR_TYPES = ("RateLimitError", "APITimeoutError", "InternalServerError")
CACHE_HIT_RATE = {"chat": 0.35, "rag": 0.15, "agent": 0.55, "self_hosted": 0.0}


@dataclass(frozen=True)
class Request:
    """One incoming request: what the pure traffic model decided before its tree is grown."""

    service: fleet.Service
    start_ns: int
    user: str
    feature: str
    session: str
    service_version: str
    prompt_version: str
    effects: tuple[faults.Effect, ...] = ()   # of the faults active at its start (demo/faults.py)
    extra: faults.ExtraRequests | None = None  # set on the requests a fault adds
    live: bool = False                          # played live (the DCGM-scraped replica is in the pool)


@dataclass
class _Tree:
    """A trace under construction: spans in creation order (parents first), the first error."""

    request: Request
    rng: random.Random
    spans: list[SpanPlan] = field(default_factory=list)
    failed: str | None = None

    def add(self, span: SpanPlan) -> SpanPlan:
        self.spans.append(span)
        if span.error and not self.failed:
            self.failed = span.error
        return span

    def call_attributes(self) -> Attributes:
        r = self.request
        return {"spyglass.feature": r.feature, "user.id": r.user, "session.id": r.session,
                "spyglass.prompt.name": r.service.prompt, "spyglass.prompt.version": r.prompt_version}


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def model_call(tree: _Tree, model: Model, parent: str, start_ns: int, operation: str = "chat",
               stream: bool = True, finish: str = "stop", evaluation: Attributes | None = None) -> SpanPlan:
    """One model-call span: tokens and latency drawn from the model's distributions; may fail."""
    rng, r = tree.rng, tree.request
    attributes: Attributes = {
        "gen_ai.operation.name": operation, "gen_ai.provider.name": model.provider,
        "gen_ai.request.model": model.name, **tree.call_attributes()}
    slower, more_in, more_out = faults.call_factors(r.effects, r.service.name, model.provider, model.name,
                                                    r.prompt_version)
    more_in *= r.extra.input if r.extra else 1.0
    name = f"{operation} {model.name}"
    if rng.random() < model.error_rate:
        error = rng.choice(ERROR_TYPES)
        attributes["error.type"] = error
        end_ns = start_ns + int(_lognormal(rng, 0.6, 0.5) * slower * SECOND)
        return tree.add(_on_host(SpanPlan(new_span_id(rng), parent, name, "client", start_ns, end_ns, attributes,
                                          error), r))
    input_tokens = max(8, int(_lognormal(rng, model.input_median, 0.5) * more_in))
    output_tokens = max(1, int(_lognormal(rng, model.output_median, 0.6) * more_out)) if model.output_median else 0
    attributes |= {"gen_ai.response.model": model.response_name, "gen_ai.usage.input_tokens": input_tokens,
                   "gen_ai.usage.output_tokens": output_tokens, "gen_ai.response.id": f"resp-{new_span_id(rng)}"}
    if rng.random() < CACHE_HIT_RATE[tree.request.service.kind] and operation == "chat":
        attributes["gen_ai.usage.cache_read.input_tokens"] = int(input_tokens * rng.uniform(0.4, 0.9))
    ttft = (_lognormal(rng, model.ttft_median_s, 0.35) + input_tokens / 60_000) * slower
    generating = output_tokens / model.tokens_per_second * slower if model.tokens_per_second else 0.0
    end_ns = start_ns + int((ttft + generating * rng.uniform(0.85, 1.2)) * SECOND)
    if operation == "chat":
        attributes["gen_ai.response.finish_reasons"] = (finish,)
        if stream:
            attributes["gen_ai.server.time_to_first_token"] = round(ttft, 4)
    events = () if evaluation is None else (Event("gen_ai.evaluation.result", end_ns, evaluation),)
    return tree.add(_on_host(SpanPlan(new_span_id(rng), parent, name, "client", start_ns, end_ns, attributes, None,
                                      events), r))


def _on_host(span: SpanPlan, request: Request) -> SpanPlan:
    """A self-hosted call names the replica that served it (`server.address`); the reranker has one host."""
    if span.attributes["gen_ai.provider.name"] != "vllm":
        return span
    host = fleet.GPU_HOST if span.attributes["gen_ai.request.model"] == fleet.RERANKER.name else \
        fleet.llama_host(span.span_id, request.live, faults.idle_hosts(request.effects))
    return replace(span, attributes={**span.attributes, "server.address": host})


def _internal(tree: _Tree, parent: str, name: str, start_ns: int, duration_s: float,
              attributes: Attributes) -> SpanPlan:
    end_ns = start_ns + int(duration_s * SECOND)
    return tree.add(SpanPlan(new_span_id(tree.rng), parent, name, "internal", start_ns, end_ns, attributes))


def _chat(tree: _Tree, root: str, start: int) -> int:
    model = fleet.OPENAI_4O if tree.request.feature == "chat" and tree.rng.random() < 0.2 else fleet.OPENAI_MINI
    extra = tree.request.extra
    model = fleet.MODELS[extra.model] if extra and extra.model else model
    return model_call(tree, model, root, start + 4 * MS).end_ns


def _rag(tree: _Tree, root: str, start: int) -> int:
    rng = tree.rng
    embed = model_call(tree, fleet.OPENAI_EMBED, root, start + 2 * MS, operation="embeddings", stream=False)
    if tree.failed:
        return embed.end_ns
    retrieval = _internal(tree, root, "retrieval kb-prod", embed.end_ns + MS, _lognormal(rng, 0.045, 0.4),
                          {"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": "kb-prod",
                           "db.system.name": "qdrant", "spyglass.feature": tree.request.feature})
    rerank = model_call(tree, fleet.RERANKER, root, retrieval.end_ns + MS, operation="rerank", stream=False)
    if tree.failed:
        return rerank.end_ns
    faithful = min(1.0, max(0.0, rng.gauss(0.86, 0.1)))
    evaluation = {"gen_ai.evaluation.name": "faithfulness", "gen_ai.evaluation.score.value": round(faithful, 3),
                  "gen_ai.evaluation.score.label": "pass" if faithful >= 0.7 else "fail",
                  "gen_ai.evaluation.explanation": "answer grounded in the retrieved passages"}
    return model_call(tree, fleet.GEMINI, root, rerank.end_ns + MS, evaluation=evaluation).end_ns


def _agent_steps(tree: _Tree, agent: str, start: int, tools: tuple[str, ...]) -> int:
    """A tool-using loop: the model asks for a tool, the tool runs, and so on; then the final answer."""
    at = start
    for tool in tools:
        call = model_call(tree, fleet.CLAUDE, agent, at + MS, finish="tool_calls")
        if tree.failed:
            return call.end_ns
        run = _internal(tree, agent, f"execute_tool {tool}", call.end_ns + MS, _lognormal(tree.rng, 0.12, 0.6),
                        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool,
                         "gen_ai.tool.type": "function"})
        at = run.end_ns
    return at


def _agent(tree: _Tree, root: str, start: int) -> int:
    rng = tree.rng
    agent_id = "support-agent"
    agent = SpanPlan(new_span_id(rng), root, f"invoke_agent {agent_id}", "internal", start + MS, start + MS,
                     {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent_id})
    tree.add(agent)
    tools = tuple(rng.sample(("lookup_customer", "search_orders", "search_kb"), rng.randint(1, 3)))
    at = _agent_steps(tree, agent.span_id, start + 2 * MS, tools)
    if not tree.failed and tree.request.feature == "refunds":
        nested = SpanPlan(new_span_id(rng), agent.span_id, "invoke_agent refund-agent", "internal", at + MS, at + MS,
                          {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "refund-agent"})
        tree.add(nested)
        at = _agent_steps(tree, nested.span_id, at + 2 * MS, ("issue_refund",))
        _close(tree, nested, at)
    if not tree.failed:
        resolved = rng.random() < 0.82
        evaluation = {"gen_ai.evaluation.name": "resolution", "gen_ai.evaluation.score.value": 1.0 if resolved else 0.0,
                      "gen_ai.evaluation.score.label": "pass" if resolved else "fail"}
        at = model_call(tree, fleet.CLAUDE, agent.span_id, at + MS, evaluation=evaluation).end_ns
    _close(tree, agent, at)
    return at


def _self_hosted(tree: _Tree, root: str, start: int) -> int:
    return model_call(tree, fleet.LLAMA, root, start + 3 * MS).end_ns


def _close(tree: _Tree, span: SpanPlan, end_ns: int, attributes: Attributes | None = None) -> None:
    """Give an enclosing span (placed before its children) its end, its children's failure, late attributes."""
    index = tree.spans.index(span)
    tree.spans[index] = replace(span, end_ns=end_ns + MS, error=tree.failed,
                                attributes={**span.attributes, **(attributes or {})})


_GROW = {"chat": _chat, "rag": _rag, "agent": _agent, "self_hosted": _self_hosted}
_ROUTES = {"chat": "POST /v1/chat", "rag": "POST /v1/search", "agent": "POST /v1/tickets/triage",
           "self_hosted": "POST /v1/review"}


def grow(request: Request, rng: random.Random) -> TracePlan:
    """The whole trace of `request`: an HTTP server root and the service's tree under it."""
    service = request.service
    route = _ROUTES[service.kind]
    trace_id = new_trace_id(rng)
    root = SpanPlan(new_span_id(rng), None, route, "server", request.start_ns, request.start_ns,
                    {"http.request.method": "POST", "http.route": route.split(" ", 1)[1],
                     "spyglass.feature": request.feature, "user.id": request.user})
    tree = _Tree(request, rng, [root])
    end = _GROW[service.kind](tree, root.span_id, request.start_ns)
    _close(tree, root, end, {"http.response.status_code": 500 if tree.failed else 200})
    resource = {"service.name": service.name, "service.version": request.service_version,
                "deployment.environment.name": service.environment, "spyglass.team": service.team}
    return TracePlan(trace_id, service.name, resource, tuple(tree.spans), request.user, request.feature)
