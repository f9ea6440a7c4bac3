"""`spyglass postmortem INC-n [--format md|html] [-o FILE]`: an incident's post-mortem report from the running
service, through its REST API.

Without `-o` the report goes to standard output as the API sent it (bytes, whatever the terminal's encoding).
With `-o` the file is written whole or not at all (a temporary file beside it, then renamed), so a refused
request or a full disk never leaves half a report where the last good one was.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from client.incidents import POSTMORTEM_FORMATS
from spyglass.cli.remote import add_api_arguments, call
from store.errors import SpyglassError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    report = verbs.add_parser("postmortem", help="an incident's post-mortem report, in Markdown or HTML")
    report.add_argument("id", help="INC-<n>")
    report.add_argument("--format", dest="report_format", choices=POSTMORTEM_FORMATS, default="md",
                        help="md (default) or html: one self-contained page with charts, opens offline")
    report.add_argument("-o", "--output", help="write the report to this file (default: standard output)")
    add_api_arguments(report)


def run(args: argparse.Namespace) -> int:
    text = call(args, f"postmortem {args.id}", lambda api: api.postmortem(args.id, args.report_format))
    if args.output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
        return 0
    path = Path(args.output)
    write(path, text)
    print(f"{args.id.upper()} post-mortem ({args.report_format}) written to {path}")
    return 0


def write(path: Path, text: str) -> None:
    """`text` into `path`, whole or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(text.encode("utf-8"))
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise SpyglassError(f"cannot write {path}: {exc.strerror or exc}") from exc
