"""Operations: agent, tool and retrieval spans summarised per operation and name."""

from __future__ import annotations

from client.models.llm import Latency
from client.models.wire import Window, Wire


class OperationStats(Wire):
    operation: str  # the GenAI operation: invoke_agent, execute_tool, retrieval, invoke_workflow, chain, ...
    name: str  # the tool's, agent's or data source's name, else the span name
    service: str
    calls: int
    errors: int
    error_rate: float  # 0-1
    latency_ms: Latency


class Operations(Window):
    """GET /api/v1/operations: GenAI spans that are not model calls, busiest first (model calls: /summary)."""

    rows: list[OperationStats]
