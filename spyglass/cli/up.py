"""`spyglass up`: the service (OTLP receivers, REST API, scheduler, dashboard) until a signal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from spyglass import config
from spyglass.config import flags as config_flags
from spyglass.service import endpoints, run_until_signalled


def add_parser(verbs: argparse._SubParsersAction) -> None:
    up = verbs.add_parser("up", help="run the service: OTLP receivers, REST API, dashboard")
    up.add_argument("--config", help="settings file (default: ./spyglass.yaml when present)")
    config_flags.add_setting_flags(up)


def run(args: argparse.Namespace) -> int:
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
    return 0
