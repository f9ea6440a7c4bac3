"""Content capture policy: prompt and completion text is not stored unless its project opts in.

Instrumentations may send message content (opt-in on their side too): the GenAI attributes
`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`, legacy
`gen_ai.prompt` / `gen_ai.completion` and their OpenLLMetry indexed forms
(`gen_ai.prompt.0.content`), OpenInference `input.value` / `llm.input_messages.*`, and
the legacy content events (`gen_ai.user.message`, `gen_ai.choice`, ...) as span events or
log records. This step runs in the decode workers, after decoding and before the batcher,
as a pure function from decoded Arrow tables to the tables to store:

- project not in `content.capture_projects` (the default: no project): content attributes
  are dropped, content events keep only their non-content attributes, content log bodies
  are emptied; the span/log gets `spyglass.content = stripped`;
- project opted in: the content is kept after PII redaction (collector/normalise/redaction.py); the
  span/log gets `spyglass.content = redacted`, `spyglass.redactions` (total) and
  `spyglass.redactions.<kind>` (per kind), also when nothing was found (0).

Most requests carry no content at all, so a vectorised check of the attribute keys
returns the tables untouched before any row is looked at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from collector.decode.attributes import MAP_TYPE, MapColumn
from collector.normalise.redaction import RedactionConfig, Redactor, redactor

CONTENT_KEYS = frozenset({
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions",
    "gen_ai.prompt", "gen_ai.completion", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
    "gen_ai.retrieval.query.text", "gen_ai.retrieval.documents",
    "input.value", "output.value", "llm.prompts", "llm.choices", "llm.prompt_template.variables",
})
CONTENT_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.",
                    "llm.prompts.", "llm.choices.")
# Events whose body / attributes are message content (deprecated GenAI events and the oldest span events).
CONTENT_EVENTS = frozenset({
    "gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
    "gen_ai.choice", "gen_ai.content.prompt", "gen_ai.content.completion",
})
# What a content event keeps when its content is stripped: who spoke, not what was said.
EVENT_METADATA = frozenset({"gen_ai.system", "gen_ai.provider.name", "role", "index", "finish_reason", "id",
                            "event.name"})
DEFAULT_PROJECT = "default"
_EVENT_ATTRS = pa.list_(MAP_TYPE)


def is_content_key(key: str) -> bool:
    """True for an attribute that carries prompt or completion text."""
    return key in CONTENT_KEYS or key.startswith(CONTENT_PREFIXES)


@dataclass(frozen=True)
class ContentPolicy:
    """Which projects store content (after redaction), and how to redact. Picklable for the workers."""

    capture_projects: frozenset[str] = frozenset()
    redaction: RedactionConfig = field(default_factory=RedactionConfig)

    def captures(self, project: str) -> bool:
        return project in self.capture_projects


@dataclass
class _Scrub:
    """Strips or redacts the content of one row (span or log record) and records what it did."""

    redactor: Redactor | None  # None: strip
    counts: Counter[str] = field(default_factory=Counter)
    touched: bool = False

    def value(self, text: str) -> str | None:
        """The text to store for a content value (None: drop it)."""
        self.touched = True
        if self.redactor is None:
            return None
        redaction = self.redactor.redact(text)
        self.counts.update(redaction.counts)
        return redaction.text

    def attributes(self, pairs: Iterable[tuple[str, str]], whole: bool = False) -> list[tuple[str, str]]:
        """Attributes with their content scrubbed; `whole`: every non-metadata attribute is content."""
        out = []
        for key, text in pairs:
            if is_content_key(key) or (whole and key not in EVENT_METADATA):
                kept = self.value(text)
                if kept is None:
                    continue
                text = kept
            out.append((key, text))
        return out

    def markers(self) -> dict[str, str]:
        """The attributes that record what happened to this row's content."""
        if not self.touched:
            return {}
        if self.redactor is None:
            return {"spyglass.content": "stripped"}
        return {"spyglass.content": "redacted", "spyglass.redactions": str(sum(self.counts.values())),
                **{f"spyglass.redactions.{kind}": str(n) for kind, n in sorted(self.counts.items())}}


def normalise(tables: dict[str, pa.Table], policy: ContentPolicy) -> dict[str, pa.Table]:
    """The decoded tables with content stripped or redacted per the row's project."""
    out = dict(tables)
    if "otel_traces" in out:
        out["otel_traces"] = _traces(out["otel_traces"], policy)
    if "otel_logs" in out:
        out["otel_logs"] = _logs(out["otel_logs"], policy)
    return out


def _has_content_keys(column: pa.ChunkedArray | pa.Array) -> bool:
    keys = pc.list_flatten(column) if pa.types.is_list(column.type) else column
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    keys = keys.keys
    if not len(keys):
        return False
    hits = pc.is_in(keys, value_set=pa.array(sorted(CONTENT_KEYS)))
    for prefix in CONTENT_PREFIXES:
        hits = pc.or_(hits, pc.starts_with(keys, prefix))
    return bool(pc.any(hits).as_py())


def _has_content_events(names: pa.ChunkedArray) -> bool:
    flat = pc.list_flatten(names) if pa.types.is_list(names.type) else names
    return len(flat) > 0 and bool(pc.any(pc.is_in(flat, value_set=pa.array(sorted(CONTENT_EVENTS)))).as_py())


def _projects(table: pa.Table) -> list[str]:
    found = pc.map_lookup(table["ResourceAttributes"], "spyglass.project", "first")
    return [p or DEFAULT_PROJECT for p in found.to_pylist()]


def _scrub_for(policy: ContentPolicy, project: str) -> _Scrub:
    return _Scrub(redactor(policy.redaction) if policy.captures(project) else None)


def _traces(table: pa.Table, policy: ContentPolicy) -> pa.Table:
    if not (_has_content_keys(table["SpanAttributes"]) or _has_content_keys(table["Events.Attributes"])
            or _has_content_events(table["Events.Name"])):
        return table
    attributes, events = MapColumn(), []
    rows = zip(_projects(table), table["SpanAttributes"].to_pylist(), table["Events.Name"].to_pylist(),
               table["Events.Attributes"].to_pylist(), strict=True)
    for project, span_attributes, names, event_attributes in rows:
        scrub = _scrub_for(policy, project)
        events.append([scrub.attributes(pairs, whole=name in CONTENT_EVENTS)
                       for name, pairs in zip(names, event_attributes, strict=True)])
        kept = dict(scrub.attributes(span_attributes))
        attributes.append_dict({**kept, **scrub.markers()})
    table = table.set_column(table.schema.get_field_index("SpanAttributes"), "SpanAttributes", attributes.to_arrow())
    return table.set_column(table.schema.get_field_index("Events.Attributes"), "Events.Attributes",
                            pa.array(events, _EVENT_ATTRS))


def _logs(table: pa.Table, policy: ContentPolicy) -> pa.Table:
    event_names = pc.if_else(pc.equal(table["EventName"], ""),
                             pc.map_lookup(table["LogAttributes"], "event.name", "first"), table["EventName"])
    if not (_has_content_keys(table["LogAttributes"]) or _has_content_events(event_names)):
        return table
    attributes, bodies = MapColumn(), []
    rows = zip(_projects(table), event_names.to_pylist(), table["Body"].to_pylist(),
               table["LogAttributes"].to_pylist(), strict=True)
    for project, name, body, log_attributes in rows:
        scrub = _scrub_for(policy, project)
        if name in CONTENT_EVENTS and body:
            body = scrub.value(body) or ""
        kept = dict(scrub.attributes(log_attributes, whole=name in CONTENT_EVENTS))
        attributes.append_dict({**kept, **scrub.markers()})
        bodies.append(body)
    table = table.set_column(table.schema.get_field_index("Body"), "Body", pa.array(bodies, pa.string()))
    return table.set_column(table.schema.get_field_index("LogAttributes"), "LogAttributes", attributes.to_arrow())


@dataclass(frozen=True)
class Shown:
    """What a reader of a stored span may see of it, and what happened to its content."""

    attributes: dict[str, str]
    events: list[tuple[str, dict[str, str]]]
    content: str  # redacted (shown), stripped (the collector dropped it), withheld (not shown), '' (none)


def shown(attributes: dict[str, str], events: list[tuple[str, dict[str, str]]], captures: bool) -> Shown:
    """A stored span as the API shows it. Content is shown only when this collector kept it after redaction
    (`spyglass.content = redacted`) and the span's project still captures content (`captures`); content a
    foreign writer stored raw (no marker), or stored before the project stopped capturing, is withheld the
    way the collector strips it: content attributes dropped, content events reduced to who spoke."""
    marker = attributes.get("spyglass.content", "")
    if marker == "redacted" and captures:
        return Shown(dict(attributes), list(events), "redacted")
    scrub = _Scrub(None)
    kept = dict(scrub.attributes(attributes.items()))
    kept_events = [(name, dict(scrub.attributes(pairs.items(), whole=name in CONTENT_EVENTS)))
                   for name, pairs in events]
    state = "withheld" if scrub.touched else marker
    return Shown(kept, kept_events, state)
