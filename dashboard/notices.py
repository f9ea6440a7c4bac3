"""What a page says instead of charts: the API is unreachable or refused, or there is no data yet.

Shared by all pages so that an outage or a fresh install reads the same everywhere, and
so each message says what to do next rather than only what went wrong.
"""

from __future__ import annotations

import os

import streamlit as st

from client.api import ApiError, ApiUnreachable

DEFAULT_OTLP_ENDPOINT = "http://127.0.0.1:4318"


def api_error(exc: ApiError, base_url: str) -> None:
    """A red banner naming the API, its answer, and the likely fix."""
    if isinstance(exc, ApiUnreachable):
        st.error(f"**Cannot reach the Spyglass API at {base_url}.** Is `spyglass up` running? "
                 f"The dashboard reads everything through the API (set `SPYGLASS_API_URL` if it lives "
                 f"elsewhere).\n\n{exc.message}", icon=":material/cloud_off:")
    elif exc.status == 401:
        st.error(f"**The Spyglass API refused the dashboard's read key (401).** Set `SPYGLASS_API_KEY` "
                 f"to one of the service's read keys.\n\n{exc.message}", icon=":material/lock:")
    elif exc.status == 503:
        st.error(f"**The Spyglass API is up but its store is unavailable (503).** It retries on its own; "
                 f"refresh in a few seconds.\n\n{exc.message}", icon=":material/database:")
    elif exc.status is not None and exc.status >= 500:
        st.error(f"**The Spyglass API failed on this request ({exc.status}).** The service log has the "
                 f"details.\n\n{exc.message}", icon=":material/error:")
    else:
        st.error(f"**The Spyglass API refused the request ({exc.status}):** {exc.message}",
                 icon=":material/error:")


def no_llm_calls(range_words: str, filtered: bool) -> None:
    """The empty state: how to send the first span, or how to widen a too-narrow filter."""
    if filtered:
        st.info(f"No LLM calls match these filters in the {range_words}. Clear a filter or widen the "
                "time range.", icon=":material/filter_alt_off:")
        return
    endpoint = os.environ.get("SPYGLASS_OTLP_HTTP_URL") or DEFAULT_OTLP_ENDPOINT
    st.info(f"**No LLM calls in this range yet** ({range_words}) — point an OpenTelemetry SDK at the "
            "collector. Any app instrumented with the OpenTelemetry GenAI conventions works (for example "
            "`opentelemetry-instrumentation-openai-v2`); set these variables where it runs:",
            icon=":material/rocket_launch:")
    st.code(f"export OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}\n"
            "export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\n"
            "export OTEL_SERVICE_NAME=my-llm-app", language="bash")
    st.caption("Spans with `gen_ai.operation.name`, `gen_ai.request.model` and `gen_ai.usage.*` "
               "attributes show up here within seconds of being sent.")


def no_gpu_samples(range_words: str) -> None:
    """The GPUs page's empty state: the three ways GPU telemetry reaches Spyglass."""
    endpoint = os.environ.get("SPYGLASS_OTLP_HTTP_URL") or DEFAULT_OTLP_ENDPOINT
    st.info(f"**No GPU samples in this range yet** ({range_words}). On each GPU node, run the agent, "
            "or let Spyglass scrape a dcgm-exporter (setting `gpu.dcgm_targets`), or send OTLP `hw.gpu.*` "
            "metrics from any OpenTelemetry SDK or Collector:", icon=":material/memory:")
    st.code(f"spyglass gpu-agent --endpoint {endpoint}", language="bash")
