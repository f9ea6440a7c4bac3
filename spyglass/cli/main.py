"""`spyglass <verb>`: the service (`up`), the service fed by a simulated fleet (`demo`), the GPU node agent
(`gpu-agent`), catalog, rule and runbook tools (`prices`, `rules`, `runbooks`), admin verbs over the REST API
(`reprice`, `export`, `rules backtest`, `silence`, `notifications`, `incidents`, `postmortem`, `changes`, `gate`),
and the MCP server for AI assistants (`mcp`).

Each verb is a module of this package with `add_parser(verbs)` and `run(args) -> exit code`, imported only when
its verb is asked for: the service's imports (the store, scipy, the MCP SDK) took 3 s, which every `incidents
ack` from a terminal or a CI step paid. Help and unknown verbs load them all.

Errors are one readable line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from store.errors import ConfigError, SpyglassError

# Verb -> its module, in the order `spyglass --help` lists them.
VERBS = {"up": "up", "demo": "demo", "prices": "prices", "reprice": "reprice", "export": "export", "rules": "rules",
         "runbooks": "runbooks", "silence": "silence", "incidents": "incidents", "notifications": "notifications",
         "postmortem": "postmortem", "changes": "changes", "gate": "gate", "mcp": "mcp", "gpu-agent": "gpu_agent"}


def _module(verb: str) -> ModuleType:
    return importlib.import_module(f"spyglass.cli.{VERBS[verb]}")


def _parser(verbs: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spyglass", description="Observability and FinOps for production AI.")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in verbs:
        _module(verb).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    asked = [argv[0]] if argv and argv[0] in VERBS else list(VERBS)
    try:
        args = _parser(asked).parse_args(argv)
    except SystemExit as exc:  # argparse's usage error is 2, which the gate answers for insufficient data
        if exc.code == 2 and argv[:1] == ["gate"]:
            return _module("gate").USAGE
        raise
    try:
        return _module(args.verb).run(args)
    except SpyglassError as exc:  # a configuration's problems one per line, any other error on one
        text = str(exc) if isinstance(exc, ConfigError) else " ".join(str(exc).split())
        print("spyglass: " + text, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
