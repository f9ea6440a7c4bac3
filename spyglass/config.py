"""One configuration model, from (highest first) command-line flags, `SPYGLASS_*`
environment variables, `spyglass.yaml`, and defaults. Zero configuration runs.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from collector.normalise.redaction import RedactionConfig
from pipelines.costs.budgets import Budget
from spyglass.timerange import parse_duration
from store.errors import BadInput, ConfigError

DEFAULT_CONFIG_FILE = "spyglass.yaml"
ROLES = ("collector", "api", "scheduler")
_config_file: ContextVar[str | None] = ContextVar("spyglass_config_file", default=None)


def _default_decode_workers() -> int:
    """One per core up to four: decoding is GIL-bound Python, so it scales by processes."""
    cores = os.cpu_count() or 1
    return min(cores, 4) if cores > 1 else 0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPYGLASS_", env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Path("spyglass-data")
    clickhouse_url: str | None = None
    clickhouse_cluster: str | None = None
    database: str = "spyglass"

    host: str = "127.0.0.1"
    otlp_http_port: int = Field(4318, ge=0, le=65535)
    otlp_grpc_port: int = Field(4317, ge=0, le=65535)
    api_port: int = Field(8040, ge=0, le=65535)
    dashboard_port: int = Field(8501, ge=0, le=65535)
    dashboard: bool = True
    roles: tuple[str, ...] = ROLES

    # Ingest keys (key -> project). Empty: ingest is open and the project comes from the
    # resource attribute `spyglass.project` (else "default").
    ingest_keys: dict[str, str] = Field(default_factory=dict)
    # Read keys for the REST API. Empty: the API is open (it binds to 127.0.0.1 by default).
    read_keys: list[str] = Field(default_factory=list)

    max_body_bytes: int = Field(64 << 20, gt=0)
    # Worker processes that decode OTLP requests (0: a thread of the service process).
    decode_workers: int = Field(default_factory=lambda: _default_decode_workers(), ge=0, le=64)
    batch_max_rows: int = Field(20_000, gt=0)
    batch_linger_ms: int = Field(50, ge=0)
    queue_max_rows: int = Field(1_000_000, gt=0)
    retry_after_seconds: int = Field(1, ge=1)
    # How often Spyglass writes its own metrics (service.name "spyglass") into otel_metrics_*.
    self_metrics_interval_seconds: float = Field(30, gt=0)
    # How often closed days of FINAL-read tables are compacted to one part each.
    compaction_interval_seconds: int = Field(600, gt=0)
    # How often the cost job prices newly ingested LLM calls into request_costs.
    cost_interval_seconds: float = Field(30, gt=0)
    # How often the five-minute slices whose costs changed (and their hours) are re-aggregated.
    cost_rollup_interval_seconds: float = Field(60, gt=0)
    # User price catalog files layered over the shipped catalog (pipelines/costs/prices.yaml), in order.
    price_catalog_files: list[str] = Field(default_factory=list)
    # Azure OpenAI deployment name -> the model it serves (calls carry the deployment name), for pricing.
    deployments: dict[str, str] = Field(default_factory=dict)
    # Monthly budgets per project / team / feature / user (see pipelines/costs/budgets.py), e.g.
    # [{name: ml-team, scope: team, value: ml, monthly: 5000, soft: 0.8, hard: 1.0}].
    budgets: list[Budget] = Field(default_factory=list)
    # dcgm-exporter `/metrics` URLs the service scrapes into gpu_samples (needs the collector role).
    dcgm_targets: list[str] = Field(default_factory=list)
    dcgm_scrape_interval_seconds: float = Field(15, gt=0)
    # How often the GPU cost job recomputes GPU cost per host and per self-hosted request.
    gpu_cost_interval_seconds: float = Field(300, gt=0)
    # How far back each GPU cost run recomputes whole hours (late samples and calls settle within it).
    gpu_cost_lookback_hours: float = Field(3, gt=0, le=48)
    # A GPU sample stands for the time until the GPU's next sample, at most this long.
    gpu_sample_max_gap_seconds: float = Field(60, gt=0, le=3600)
    # USD per GPU-hour by GPU model key (matched by name tokens: "H100", "A100 80GB"); beats the shipped table.
    gpu_model_prices: dict[str, Annotated[Decimal, Field(ge=0)]] = Field(default_factory=dict)
    # USD per GPU-hour for every GPU of a host (the host name in gpu_samples); beats model prices.
    gpu_host_prices: dict[str, Annotated[Decimal, Field(ge=0)]] = Field(default_factory=dict)
    # llm_calls.host_name -> gpu_samples host name, for hosts whose names differ between the two.
    gpu_host_map: dict[str, str] = Field(default_factory=dict)
    # Weight per token kind (input, output) when a host's used GPU cost is split over its calls.
    gpu_token_weights: dict[str, Annotated[Decimal, Field(ge=0, decimal_places=6)]] = Field(
        default_factory=lambda: {"input": Decimal(1), "output": Decimal(1)})
    # Self-hosted providers: their calls on a host with no GPU samples are counted as unknown-host calls.
    gpu_self_hosted_providers: list[str] = Field(default_factory=lambda: [
        "vllm", "tgi", "sglang", "ollama", "triton", "llama.cpp", "lmdeploy", "self-hosted"])
    # How often the drift job compares each service x model x feature's current window with its reference.
    drift_interval_seconds: float = Field(3600, gt=0)
    # The current window (ending now) and the reference window just before it: 24h, 7d, ... or seconds.
    drift_current_window: timedelta = timedelta(hours=24)
    drift_reference_window: timedelta = timedelta(days=7)
    # A pinned reference period instead (RFC 3339 with a zone, both or neither), e.g. a known-good week.
    drift_reference_since: datetime | None = None
    drift_reference_until: datetime | None = None
    # Fewer calls than this in either window: status insufficient_data and no verdict.
    drift_min_rows: int = Field(200, ge=1)
    # Calls sampled per window for the comparison, spread evenly over its hours.
    drift_sample_rows: int = Field(10_000, ge=100, le=1_000_000)
    # Seed of the sample (a hash of each call's ids): the same seed samples the same calls.
    drift_sample_seed: int = Field(0, ge=0)
    # False-positive rate of a comparison's p-value tests together (Bonferroni-corrected per test).
    drift_alpha: float = Field(0.05, gt=0, lt=1)
    # Threshold of the distance tests (normed Wasserstein, Jensen-Shannon): drift at or above it.
    drift_distance_threshold: float = Field(0.1, gt=0)
    # Share of compared features that must drift for a comparison to be drifted (0.01: any one).
    drift_share: float = Field(0.01, gt=0, le=1)
    # Where drift HTML reports are written (default <data_dir>/drift-reports; name it with a ClickHouse server).
    drift_reports_dir: Path | None = None
    # Drift reports older than this many days are deleted (about 4 MB each); their results stay.
    drift_report_retention_days: float = Field(30, gt=0)
    # GPU waste: a GPU whose one-minute mean utilisation (0-1) stays below this ...
    gpu_idle_max_utilization: float = Field(0.10, gt=0, le=1)
    # ... for at least this many seconds is listed as idle (GET /api/v1/gpu/waste; per-request overrides).
    gpu_idle_min_seconds: int = Field(1800, ge=60)
    # Projects whose prompt/completion content is stored (after PII redaction); others have it stripped.
    content_capture_projects: list[str] = Field(default_factory=list)
    # Built-in redaction kinds to turn off (email, phone, card_number, iban, api_key, bearer_token, jwt, ipv4, ipv6).
    redaction_disabled: list[str] = Field(default_factory=list)
    # Extra redaction patterns, kind -> regular expression, applied after the built-in ones.
    redaction_patterns: dict[str, str] = Field(default_factory=dict)
    # How often the heuristics job scores newly ingested LLM calls into quality_scores.
    heuristics_interval_seconds: float = Field(60, gt=0)
    # Latency ceilings per model in ms for the "slow" heuristic; unset models use their p99 of the previous day.
    heuristic_latency_ms: dict[str, float] = Field(default_factory=dict)
    # The ceiling (ms) for models without a setting and without enough calls the previous day for a p99.
    heuristic_latency_default_ms: float = Field(60_000, gt=0)
    # How often scores that arrived before their LLM call (feedback, evaluations) are joined to it.
    quality_join_interval_seconds: float = Field(30, gt=0)
    # An evaluation passes when its label is one of these (case-insensitive) ...
    quality_pass_labels: list[str] = Field(default_factory=lambda: ["pass", "passed", "true", "correct", "yes"])
    # ... or its value is at least this.
    quality_pass_threshold: float = 0.5
    # Feedback is positive when its value is > 0 or its label is one of these (case-insensitive).
    feedback_positive_labels: list[str] = Field(default_factory=lambda: ["positive", "thumbs_up", "up", "good",
                                                                         "like", "yes", "true"])
    log_level: str = "INFO"

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        unknown = set(value) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; known: {', '.join(ROLES)}")
        return value

    @field_validator("dcgm_targets", mode="before")
    @classmethod
    def _dcgm_targets(cls, value: Any) -> Any:
        if isinstance(value, str):  # "http://a:9400/metrics,http://b:9400/metrics" from a flag or YAML
            value = [part.strip() for part in value.split(",") if part.strip()]
        for url in value if isinstance(value, list) else []:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL; expected e.g. http://gpu-node-1:9400/metrics")
        return value

    @field_validator("gpu_token_weights")
    @classmethod
    def _gpu_token_weights(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = set(value) - {"input", "output"}
        if unknown:
            raise ValueError(f"unknown token kinds {sorted(unknown)}; known: input, output")
        if not any(value.values()):
            raise ValueError("at least one token kind needs a weight above 0")
        return value

    @field_validator("drift_current_window", "drift_reference_window", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().lstrip("+-").replace(".", "", 1).isdigit():
            try:
                return parse_duration(value)
            except BadInput as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("drift_reference_since", "drift_reference_until")
    @classmethod
    def _zoned(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone (RFC 3339, e.g. 2026-11-01T00:00:00Z)")
        return value

    @model_validator(mode="after")
    def _pinned_reference(self) -> Settings:
        since, until = self.drift_reference_since, self.drift_reference_until
        if (since is None) != (until is None):
            raise ValueError("drift_reference_since and drift_reference_until go together (both or neither)")
        if since is not None and until is not None and since >= until:
            raise ValueError("drift_reference_since must be before drift_reference_until")
        return self

    @property
    def drift_reports_path(self) -> Path:
        """Where drift reports live: the setting, else a folder in the data directory."""
        return self.drift_reports_dir or self.data_dir / "drift-reports"

    @model_validator(mode="after")
    def _redaction(self) -> Settings:
        RedactionConfig.from_settings(self.redaction_disabled, self.redaction_patterns)  # ValueError -> ConfigError
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        return init_settings, env_settings, _YamlSource(settings_cls)


class _YamlSource(PydanticBaseSettingsSource):
    """`spyglass.yaml` (or the file named by SPYGLASS_CONFIG / --config)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = Path(_config_file.get() or os.environ.get("SPYGLASS_CONFIG", DEFAULT_CONFIG_FILE))
        self.data: dict[str, Any] = {}
        if path.exists():
            try:
                loaded = yaml.safe_load(path.read_text()) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark else ""
                raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
            if not isinstance(loaded, dict):
                raise ConfigError(f"{path}: expected a mapping of settings at the top level")
            self.data = {key.replace("-", "_"): value for key, value in loaded.items()}

    def get_field_value(self, field, field_name: str):
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


def load(config_file: str | None = None, **overrides: Any) -> Settings:
    """The effective settings; `overrides` are command-line values (None = not given)."""
    if config_file and not Path(config_file).exists():
        raise ConfigError(f"config file {config_file} does not exist")
    token = _config_file.set(config_file)
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'config'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid configuration: {problems}") from exc
    except SettingsError as exc:  # an environment variable that is not valid JSON for a list or mapping
        raise ConfigError(f"invalid configuration: {exc} (lists and mappings in SPYGLASS_* variables are "
                          'JSON, e.g. SPYGLASS_READ_KEYS=\'["key"]\')') from exc
    finally:
        _config_file.reset(token)
