"""Evaluations arriving over OTLP become `quality_scores` rows (source `eval`) as they are written.

Three materialised views, one per shape an evaluation takes on the wire:

- `quality_span_events_mv`: `gen_ai.evaluation.result` span events; the score is about the
  span that carries the event;
- `quality_log_events_mv`: `gen_ai.evaluation.result` log records (`EventName`, or the older
  `event.name` attribute); the score is about the record's trace and span;
- `quality_eval_spans_mv`: evaluation spans, OpenInference `openinference.span.kind =
  EVALUATOR` (name/score/label/explanation from `eval.*`, then `metadata.*`) or spans with
  `gen_ai.evaluation.*` attributes; the score is about the evaluation span's parent.

Views rather than a watermark job because `otel_traces`/`otel_logs` have no ingestion time
column (their schema is the exporter's) and a view sees every insert exactly once, ours or
a foreign collector's. The rows carry no call dimensions (`joined` false) and version 0
(`updated_at` at the epoch): pipelines/quality/score_join.py re-inserts them with the call's
service/model/team/feature and a real version once the call is in `llm_calls`, so a
redelivered span never replaces a joined score with an unjoined one. `score_id` is a hash
of where the evaluation came from, so a redelivered span or log collapses to one score.
Existing rows are scored once when the views are created.
"""

from __future__ import annotations

from store.ddl import DDL

NAME = "evaluation views"

_PROJECT = "coalesce(nullIf(ResourceAttributes['spyglass.project'], ''), 'default')"
_TAIL = ("'eval' AS source, {evaluator} AS evaluator, {comment} AS comment, '' AS service_name, '' AS model, "
         "'' AS team, '' AS feature, false AS joined, toDateTime64(0, 3, 'UTC') AS updated_at")
COLUMNS = ("timestamp, project, trace_id, span_id, score_id, name, value, label, source, evaluator, comment, "
           "service_name, model, team, feature, joined, updated_at")


def _value(raw: str) -> str:
    """A score value: a finite number, else NULL."""
    return f"if(isFinite(ifNull(toFloat64OrNull({raw}), nan)), toFloat64OrNull({raw}), NULL)"


def _first(attributes: str, *keys: str, default: str = "''") -> str:
    """The first non-empty of `attributes[key]` for `keys` (names from this module only), else `default`."""
    candidates = [f"nullIf({attributes}['{key}'], '')" for key in keys]
    return f"coalesce({', '.join(candidates)}, {default})"


def span_events_select(source: str) -> str:
    name = "ev_attrs['gen_ai.evaluation.name']"
    return f"""SELECT ev_ts AS timestamp, {_PROJECT} AS project, TraceId AS trace_id, SpanId AS span_id,
    lower(hex(sipHash128('span-event', TraceId, SpanId, ev_ts, {name}))) AS score_id, {name} AS name,
    {_value("ev_attrs['gen_ai.evaluation.score.value']")} AS value,
    ev_attrs['gen_ai.evaluation.score.label'] AS label,
    {_TAIL.format(evaluator="ServiceName", comment="ev_attrs['gen_ai.evaluation.explanation']")}
FROM {source}
ARRAY JOIN Events.Timestamp AS ev_ts, Events.Name AS ev_name, Events.Attributes AS ev_attrs
WHERE ev_name = 'gen_ai.evaluation.result' AND {name} != ''"""


def log_events_select(source: str) -> str:
    name = "LogAttributes['gen_ai.evaluation.name']"
    return f"""SELECT Timestamp AS timestamp, {_PROJECT} AS project, TraceId AS trace_id, SpanId AS span_id,
    lower(hex(sipHash128('log-event', TraceId, SpanId, Timestamp, {name}))) AS score_id, {name} AS name,
    {_value("LogAttributes['gen_ai.evaluation.score.value']")} AS value,
    LogAttributes['gen_ai.evaluation.score.label'] AS label,
    {_TAIL.format(evaluator="ServiceName", comment="LogAttributes['gen_ai.evaluation.explanation']")}
FROM {source}
WHERE (EventName = 'gen_ai.evaluation.result'
       OR (EventName = '' AND LogAttributes['event.name'] = 'gen_ai.evaluation.result')) AND {name} != ''"""


def eval_spans_select(source: str) -> str:
    a = "SpanAttributes"
    value = _first(a, "gen_ai.evaluation.score.value", "eval.score", "metadata.score")
    comment = _first(a, "gen_ai.evaluation.explanation", "eval.explanation", "metadata.explanation")
    evaluator = _first(a, "metadata.evaluator_name", "eval.evaluator", default="ServiceName")
    return f"""SELECT Timestamp AS timestamp, {_PROJECT} AS project, TraceId AS trace_id, ParentSpanId AS span_id,
    lower(hex(sipHash128('eval-span', TraceId, SpanId))) AS score_id,
    {_first(a, "gen_ai.evaluation.name", "eval.name", default="SpanName")} AS name,
    {_value(value)} AS value,
    {_first(a, "gen_ai.evaluation.score.label", "eval.label", "metadata.label")} AS label,
    {_TAIL.format(evaluator=evaluator, comment=comment)}
FROM {source}
WHERE upper({a}['openinference.span.kind']) = 'EVALUATOR' OR {a}['gen_ai.evaluation.name'] != ''"""


VIEWS = (
    ("quality_span_events_mv", "otel_traces", span_events_select),
    ("quality_log_events_mv", "otel_logs", log_events_select),
    ("quality_eval_spans_mv", "otel_traces", eval_spans_select),
)


def statements(ddl: DDL) -> list[str]:
    out: list[str] = []
    for view, source, select in VIEWS:
        out += ddl.create_materialized_view(view, "quality_scores", select(ddl.source(source)))
    out += [f"INSERT INTO quality_scores ({COLUMNS}) {select(source)}" for _, source, select in VIEWS]
    return out
