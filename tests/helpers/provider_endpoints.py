"""Local HTTP endpoints that answer like OpenAI, Anthropic and Gemini, for the real SDKs.

Each answers one non-streaming call with the provider's own response shape and usage block
(field names as the public APIs return them), so the real SDK parses it and the real
instrumentation reads its usage exactly as it would in production. The usage numbers are
those of `USAGE`; the provider SDKs are pointed here through their `base_url`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Native usage as each API reports it (Anthropic's input excludes the cache; Gemini's candidates exclude thoughts).
USAGE = {
    "openai": {"prompt_tokens": 2000, "cached_tokens": 1500, "completion_tokens": 600, "reasoning_tokens": 400},
    "anthropic": {"input_tokens": 100, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 300,
                  "output_tokens": 50},
    "gemini": {"promptTokenCount": 1000, "cachedContentTokenCount": 400, "candidatesTokenCount": 200,
               "thoughtsTokenCount": 300},
}
MODELS = {"openai": "o4-mini", "anthropic": "claude-sonnet-4-5-20250929", "gemini": "gemini-2.5-pro"}


def openai_chat(model: str) -> dict:
    u = USAGE["openai"]
    return {
        "id": "chatcmpl-local-1", "object": "chat.completion", "created": 1_763_640_000, "model": model,
        "system_fingerprint": "fp_local", "service_tier": "default",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": "Paris.", "refusal": None, "annotations": []}}],
        "usage": {
            "prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"],
            "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": u["cached_tokens"], "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": u["reasoning_tokens"], "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
        },
    }


def anthropic_message(model: str) -> dict:
    return {
        "id": "msg_local_1", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "Paris."}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {**USAGE["anthropic"], "service_tier": "standard",
                  "cache_creation": {"ephemeral_5m_input_tokens": USAGE["anthropic"]["cache_creation_input_tokens"],
                                     "ephemeral_1h_input_tokens": 0}},
    }


def gemini_generate(model: str) -> dict:
    u = USAGE["gemini"]
    total = u["promptTokenCount"] + u["candidatesTokenCount"] + u["thoughtsTokenCount"]
    return {
        "candidates": [{"content": {"parts": [{"text": "Paris."}], "role": "model"}, "finishReason": "STOP",
                        "index": 0}],
        "usageMetadata": {**u, "totalTokenCount": total,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": u["promptTokenCount"]}],
                          "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": u["cachedContentTokenCount"]}]},
        "modelVersion": model, "responseId": "resp-local-1",
    }


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        path = self.path.split("?")[0]
        if path.endswith("/chat/completions"):
            answer = openai_chat(body["model"])
        elif path.endswith("/messages"):
            answer = anthropic_message(body["model"])
        elif ":generateContent" in path:
            answer = gemini_generate(path.rsplit("/", 1)[1].split(":")[0])
        else:
            self.send_error(404, f"no such endpoint {path}")
            return
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@contextmanager
def provider_endpoints() -> Iterator[str]:
    """Serve the three APIs on a free 127.0.0.1 port for the duration; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="provider-endpoints", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
