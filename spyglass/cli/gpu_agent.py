"""`spyglass gpu-agent`: sample this node's GPUs through NVML and export them as OTLP metrics."""

from __future__ import annotations

import argparse
import logging
import sys

from spyglass import gpu_agent


def add_parser(verbs: argparse._SubParsersAction) -> None:
    agent = verbs.add_parser("gpu-agent", help="sample this node's GPUs through NVML and export hw.gpu.* metrics")
    agent.add_argument("--endpoint", required=True, help="collector URL, e.g. http://spyglass:4318 (gRPC: :4317)")
    agent.add_argument("--interval", type=float, default=5.0, help="seconds between samples (default: 5)")
    agent.add_argument("--protocol", choices=gpu_agent.PROTOCOLS, default="http", help="OTLP transport")
    agent.add_argument("--headers", action="append", default=[],
                       help="k=v header for every export, e.g. Authorization=Bearer%%20<ingest key> (repeatable)")
    agent.add_argument("--project", help="spyglass.project resource attribute (an ingest key's project wins)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    gpu_agent.run(args.endpoint, args.interval, args.protocol, gpu_agent.parse_headers(args.headers), args.project)
    return 0
