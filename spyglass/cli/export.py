"""`spyglass export focus --since --until -o FILE [--format csv|parquet|json]`: FOCUS 1.2 usage rows to a file.

The rows come from the running service's REST API (the CLI never opens the store), so
`--api-url`/`--api-key` (or SPYGLASS_API_URL / SPYGLASS_API_KEY) say where it is. The file
is written only once every row has arrived: a failed export leaves no partial file. The
format is `--format`, else the file's extension (no extension: CSV); an extension that names
another format than `--format`, or none the export writes, is refused, so a `.json` file
never holds CSV. Argument errors are one line on stderr and exit 2, like every other CLI error.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

import httpx
import polars as pl

from client.api import DEFAULT_API_URL, ApiClient, ApiError, ApiUnreachable
from pipelines.costs import focus
from spyglass.timerange import parse_time, rfc3339
from store.errors import BadInput, StoreUnavailable

FORMATS = ("csv", "parquet", "json")
TIMEOUT = httpx.Timeout(300.0, connect=5.0)  # a year of hourly rows takes a while to sum


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line (`spyglass: export focus: ...`), exit 2, no usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"spyglass: {self.prog.removeprefix('spyglass ')}: {message}\n")


def add_parser(verbs: argparse._SubParsersAction) -> None:
    export = verbs.add_parser("export", help="export costs in a standard format")
    sub = export.add_subparsers(dest="export_verb", required=True, metavar="FORMAT", parser_class=_OneLineParser)
    f = sub.add_parser("focus", help="FinOps FOCUS 1.2 usage rows, one per hour x resource x tag set")
    f.add_argument("--since", required=True, help="RFC 3339 time, or a look-back such as 7d (widened to the hour)")
    f.add_argument("--until", default="now", help="RFC 3339 time or 'now' (default; widened to the hour)")
    f.add_argument("-o", "--output", required=True, help="file to write")
    f.add_argument("--format", choices=FORMATS, help="csv, parquet or json (default: the file's extension; none: csv)")
    f.add_argument("--api-url", default=os.environ.get("SPYGLASS_API_URL") or DEFAULT_API_URL,
                   help=f"the service's REST API (default: $SPYGLASS_API_URL or {DEFAULT_API_URL})")
    f.add_argument("--api-key", default=os.environ.get("SPYGLASS_API_KEY"), help="read key (default: $SPYGLASS_API_KEY)")


def run(args: argparse.Namespace) -> int:
    now = datetime.now(timezone.utc)
    since, until = parse_time(args.since, now, "--since"), parse_time(args.until, now, "--until")
    if since >= until:
        raise BadInput(f"--since ({rfc3339(since)}) must be before --until ({rfc3339(until)})")
    output = Path(args.output)
    fmt = output_format(output, args.format)
    if not output.parent.is_dir():
        raise BadInput(f"-o: directory {output.parent} does not exist")
    try:
        with ApiClient(args.api_url, args.api_key, timeout=TIMEOUT) as api:
            body = api.focus_export(rfc3339(since), rfc3339(until))
    except ApiUnreachable as exc:
        raise StoreUnavailable(exc.message) from exc
    except ApiError as exc:
        raise BadInput(f"the API refused the export: {exc.message}") from exc
    rows = focus.frame(focus.from_json([row.model_dump() for row in body.rows]))
    write(rows, output, fmt)
    print(f"wrote {rows.height} FOCUS rows for {body.since} .. {body.until} to {output} ({fmt})")
    return 0


def output_format(output: Path, chosen: str | None) -> str:
    """The format to write: `chosen`, else the one the extension names, else csv; a contradiction is refused."""
    suffix = output.suffix.lower().lstrip(".")
    named = suffix if suffix in FORMATS else None
    if chosen and named and chosen != named:
        raise BadInput(f"-o: {output.name} names a {named} file, but --format is {chosen}")
    if not chosen and suffix and not named:
        raise BadInput(f"-o: the export writes {', '.join(f'.{f}' for f in FORMATS)} files, not .{suffix}; "
                       "rename the file or pass --format")
    return chosen or named or "csv"


def write(rows: pl.DataFrame, output: Path, fmt: str) -> None:
    """Write to a temporary sibling, then rename: the file appears whole or not at all."""
    partial = output.with_name(f".{output.name}.partial")
    try:
        if fmt == "parquet":
            rows.write_parquet(partial)
        elif fmt == "json":  # money as decimal strings (exact), times as RFC 3339, as the API sends them
            partial.write_text(json.dumps(focus.to_json(rows.to_dicts())))
        else:
            rows.write_csv(partial, datetime_format="%Y-%m-%dT%H:%M:%SZ")
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
