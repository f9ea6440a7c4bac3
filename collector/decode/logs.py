"""OTLP logs → `otel_logs` rows, exactly as the ClickHouse exporter writes them."""

from __future__ import annotations

import pyarrow as pa
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from collector.decode.attributes import MapColumn, as_string, attribute_dict, hex_id
from collector.decode.signal import MAX_UNIX_NANO, Decoded, resource_attributes


def record_problem(record) -> str | None:
    if record.trace_id and len(record.trace_id) != 16:
        return "log record: trace_id must be 16 bytes or empty"
    if record.span_id and len(record.span_id) != 8:
        return "log record: span_id must be 8 bytes or empty"
    if max(record.time_unix_nano, record.observed_time_unix_nano) > MAX_UNIX_NANO:
        return "log record: a time is beyond the year 2262"
    if not 0 <= record.severity_number <= 24:
        return f"log record: severity_number {record.severity_number} is outside 0-24"
    return None


def decode(request: ExportLogsServiceRequest, project: str | None) -> Decoded:
    out = Decoded()
    cols: dict[str, list] = {name: [] for name in (
        "Timestamp", "TraceId", "SpanId", "TraceFlags", "SeverityText", "SeverityNumber", "ServiceName", "Body",
        "ResourceSchemaUrl", "ScopeSchemaUrl", "ScopeName", "ScopeVersion", "EventName")}
    resources, scopes, attributes = MapColumn(), MapColumn(), MapColumn()
    for resource_logs in request.resource_logs:
        resource = resource_attributes(resource_logs.resource, project)
        service = resource.get("service.name", "")
        for scope_logs in resource_logs.scope_logs:
            scope = scope_logs.scope
            scope_attributes = attribute_dict(scope.attributes)
            for record in scope_logs.log_records:
                problem = record_problem(record)
                if problem:
                    out.reject(problem)
                    continue
                cols["Timestamp"].append(record.time_unix_nano or record.observed_time_unix_nano)
                cols["TraceId"].append(hex_id(record.trace_id))
                cols["SpanId"].append(hex_id(record.span_id))
                cols["TraceFlags"].append(record.flags & 0xFF)
                cols["SeverityText"].append(record.severity_text)
                cols["SeverityNumber"].append(record.severity_number)
                cols["ServiceName"].append(service)
                cols["Body"].append(as_string(record.body))
                cols["ResourceSchemaUrl"].append(resource_logs.schema_url)
                cols["ScopeSchemaUrl"].append(scope_logs.schema_url)
                cols["ScopeName"].append(scope.name)
                cols["ScopeVersion"].append(scope.version)
                cols["EventName"].append(record.event_name)
                resources.append_dict(resource)
                scopes.append_dict(scope_attributes)
                attributes.append(record.attributes)
    out.accepted = len(cols["Timestamp"])
    if out.accepted:
        table = {name: values for name, values in cols.items()}
        table["Timestamp"] = pa.array(cols["Timestamp"], pa.timestamp("ns"))
        table["TraceFlags"] = pa.array(cols["TraceFlags"], pa.uint8())
        table["SeverityNumber"] = pa.array(cols["SeverityNumber"], pa.uint8())
        table["ResourceAttributes"] = resources.to_arrow()
        table["ScopeAttributes"] = scopes.to_arrow()
        table["LogAttributes"] = attributes.to_arrow()
        out.tables["otel_logs"] = pa.table(table)
    return out
