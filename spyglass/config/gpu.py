"""`gpu:` settings: the DCGM scrape, GPU prices, how GPU time is priced and split over the calls, idle GPUs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from spyglass.config.section import Section, comma_list

SELF_HOSTED_PROVIDERS = ["vllm", "tgi", "sglang", "ollama", "triton", "llama.cpp", "lmdeploy", "self-hosted"]
Price = Annotated[Decimal, Field(ge=0)]


class GpuSettings(Section):
    dcgm_targets: list[str] = Field(default_factory=list, description=(
        "dcgm-exporter /metrics URLs the service scrapes into gpu_samples (needs the collector role)."))
    dcgm_scrape_interval_seconds: float = Field(15, gt=0, description="How often the DCGM targets are scraped.")
    cost_interval_seconds: float = Field(300, gt=0, description=(
        "How often the GPU cost job recomputes GPU cost per host and per self-hosted request."))
    cost_lookback_hours: float = Field(1, ge=0, le=48, description=(
        "Safety net: besides the hours queued by arriving samples and calls (priced whatever their age), each GPU "
        "cost run recomputes the current hour and this many hours before it."))
    sample_max_gap_seconds: float = Field(60, gt=0, le=3600, description=(
        "A GPU sample stands for the time until the GPU's next sample, at most this long."))
    model_prices: dict[str, Price] = Field(default_factory=dict, description=(
        "USD per GPU-hour by GPU model key, matched by name tokens (H100, A100 80GB); beats the shipped table."))
    host_prices: dict[str, Price] = Field(default_factory=dict, description=(
        "USD per GPU-hour for every GPU of a host (its name in gpu_samples); beats model prices."))
    host_map: dict[str, str] = Field(default_factory=dict, description=(
        "llm_calls host name -> gpu_samples host name, for hosts named differently in the two."))
    token_weights: dict[str, Annotated[Decimal, Field(ge=0, decimal_places=6)]] = Field(
        default_factory=lambda: {"input": Decimal(1), "output": Decimal(1)}, description=(
            "Weight per token kind (input, output) when a host's used GPU cost is split over its calls."))
    self_hosted_providers: list[str] = Field(default_factory=lambda: list(SELF_HOSTED_PROVIDERS), description=(
        "Providers that run on your GPUs: their calls on a host without GPU samples count as unknown-host calls."))
    idle_max_utilization: float = Field(0.10, gt=0, le=1, description=(
        "GPU waste: a GPU is idle while its one-minute mean utilisation (0-1) stays below this "
        "(GET /api/v1/gpu/waste may override it)."))
    idle_min_seconds: int = Field(1800, ge=60, description=(
        "GPU waste: an idle stretch shorter than this is not listed (GET /api/v1/gpu/waste may override it)."))

    @field_validator("dcgm_targets", mode="before")
    @classmethod
    def _dcgm_targets(cls, value: Any) -> Any:
        value = comma_list(value)
        for url in value if isinstance(value, list) else []:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL; expected e.g. http://gpu-node-1:9400/metrics")
        return value

    @field_validator("token_weights")
    @classmethod
    def _token_weights(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = set(value) - {"input", "output"}
        if unknown:
            raise ValueError(f"unknown token kinds {sorted(unknown)}; known: input, output")
        if not any(value.values()):
            raise ValueError("at least one token kind needs a weight above 0")
        return value
