"""`spyglass <verb>`: the service (`up`), the service fed by a simulated fleet (`demo`), the GPU node agent
(`gpu-agent`), catalog, rule and runbook tools (`prices`, `rules`, `runbooks`), admin verbs over the REST API (`reprice`, `export`, `rules backtest`, `silence`,
`notifications`, `incidents`, `postmortem`, `changes`), and the MCP server for AI assistants (`mcp`).

Errors are one readable line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from spyglass import config, gpu_agent
from spyglass.cli import changes as changes_cli
from spyglass.cli import demo as demo_cli
from spyglass.cli import export as export_cli
from spyglass.cli import gate as gate_cli
from spyglass.cli import incidents as incidents_cli
from spyglass.cli import mcp as mcp_cli
from spyglass.cli import notifications as notifications_cli
from spyglass.cli import postmortem as postmortem_cli
from spyglass.cli import prices as prices_cli
from spyglass.cli import reprice as reprice_cli
from spyglass.cli import rules as rules_cli
from spyglass.cli import runbooks as runbooks_cli
from spyglass.cli import silence as silence_cli
from spyglass.config import flags as config_flags
from spyglass.service import endpoints, run_until_signalled
from store.errors import SpyglassError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spyglass", description="Observability and FinOps for production AI.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    up = verbs.add_parser("up", help="run the service: OTLP receivers, REST API, dashboard")
    up.add_argument("--config", help="settings file (default: ./spyglass.yaml when present)")
    config_flags.add_setting_flags(up)
    demo_cli.add_parser(verbs)
    prices_cli.add_parser(verbs)
    reprice_cli.add_parser(verbs)
    export_cli.add_parser(verbs)
    rules_cli.add_parser(verbs)
    runbooks_cli.add_parser(verbs)
    silence_cli.add_parser(verbs)
    incidents_cli.add_parser(verbs)
    notifications_cli.add_parser(verbs)
    postmortem_cli.add_parser(verbs)
    changes_cli.add_parser(verbs)
    gate_cli.add_parser(verbs)
    mcp_cli.add_parser(verbs)
    agent = verbs.add_parser("gpu-agent", help="sample this node's GPUs through NVML and export hw.gpu.* metrics")
    agent.add_argument("--endpoint", required=True, help="collector URL, e.g. http://spyglass:4318 (gRPC: :4317)")
    agent.add_argument("--interval", type=float, default=5.0, help="seconds between samples (default: 5)")
    agent.add_argument("--protocol", choices=gpu_agent.PROTOCOLS, default="http", help="OTLP transport")
    agent.add_argument("--headers", action="append", default=[],
                       help="k=v header for every export, e.g. Authorization=Bearer%%20<ingest key> (repeatable)")
    agent.add_argument("--project", help="spyglass.project resource attribute (an ingest key's project wins)")
    return parser


def _up(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,  # deprecation warnings while loading
                        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    settings = config.load(args.config, **config_flags.overrides_from(args))
    logging.getLogger().setLevel(settings.log_level)

    def ready() -> None:
        print("Spyglass is up: " + ", ".join(f"{name} {url}" for name, url in endpoints(settings).items()),
              flush=True)

    if asyncio.run(run_until_signalled(settings, ready)):
        # A job ran past the shutdown deadline: its thread would hold the interpreter's exit. Everything
        # acknowledged is committed and the store is closed, so leave now (the job resumes at the next start).
        sys.stdout.flush()
        logging.shutdown()
        os._exit(0)


def _gpu_agent(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    gpu_agent.run(args.endpoint, args.interval, args.protocol, gpu_agent.parse_headers(args.headers), args.project)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse's usage error is 2, which the gate answers for insufficient data
        if exc.code == 2 and argv[:1] == ["gate"]:
            return gate_cli.USAGE
        raise
    try:
        if args.verb == "prices":
            return prices_cli.run(args)
        if args.verb == "reprice":
            return reprice_cli.run(args)
        if args.verb == "export":
            return export_cli.run(args)
        if args.verb == "rules":
            return rules_cli.run(args)
        if args.verb == "runbooks":
            return runbooks_cli.run(args)
        if args.verb == "silence":
            return silence_cli.run(args)
        if args.verb == "incidents":
            return incidents_cli.run(args)
        if args.verb == "notifications":
            return notifications_cli.run(args)
        if args.verb == "postmortem":
            return postmortem_cli.run(args)
        if args.verb == "changes":
            return changes_cli.run(args)
        if args.verb == "gate":
            return gate_cli.run(args)
        if args.verb == "mcp":
            return mcp_cli.run(args)
        if args.verb == "demo":
            return demo_cli.run(args)
        if args.verb == "up":
            _up(args)
        if args.verb == "gpu-agent":
            _gpu_agent(args)
        return 0
    except config.InvalidConfiguration as exc:  # one line per problem
        print("spyglass: " + str(exc), file=sys.stderr)
        return 2
    except SpyglassError as exc:
        print("spyglass: " + " ".join(str(exc).split()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

