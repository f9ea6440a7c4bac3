"""`spyglass demo`: the service and its dashboard, fed by a simulated AI fleet.

It runs what `spyglass up` runs (same settings and flags), on a fresh temporary data directory unless
`--data-dir` names one, and beside it the demo fleet (demo/): `--days` of history backfilled through
OTLP with past timestamps, then live traffic at `--speed` times real time until SIGINT/SIGTERM. The
fleet talks to the service only as applications do: spans over OTLP/HTTP, GPU metrics over OTLP/HTTP
from the gpu-agent's code (spyglass/demo_gpus.py), feedback through the REST API. On a signal the fleet
stops sending first (its last window is flushed), then the service drains as `up` does; a temporary
data directory is deleted at the end.

While the backfill plays, the newest data of every service and GPU host is hours old, which is exactly what
`ingest-stopped` alerts on; the demo silences that rule for the backfill (and a few minutes of live play, so
the fresh data is judged first), as an operator would for a planned replay: a silenced alert notifies nobody
and opens no incident, and the silence shows on the Alerts page.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from client.api import ApiClient
from client.models.alerts import SilenceRequest
from demo import faults
from demo.emit_feedback import FeedbackSender
from demo.emit_traces import TraceEmitter
from demo.runner import Runner
from demo.standin_dcgm import DcgmHost, DcgmServer
from spyglass import config
from spyglass.config import flags as config_flags
from spyglass.demo_gpus import GpuNode, close_nodes, open_nodes
from spyglass.demo_settings import demo_settings
from spyglass.service import endpoints, run_until_signalled
from store.errors import BadInput

log = logging.getLogger(__name__)
# What the backfill makes `ingest-stopped` see; how long into live play the rule stays silenced after it.
BACKFILL_SILENCE = 'alertname="ingest-stopped"'
LIVE_GRACE = "5m"


def add_parser(verbs: argparse._SubParsersAction) -> None:
    demo = verbs.add_parser("demo", help="run the service and dashboard fed by a simulated AI fleet")
    demo.add_argument("--config", help="settings file (default: ./spyglass.yaml when present)")
    demo.add_argument("--speed", type=float, default=1.0,
                      help="live traffic at this many times real time (default: 1)")
    demo.add_argument("--seed", type=int, default=7, help="the same seed replays the same fleet (default: 7)")
    demo.add_argument("--days", type=float, default=7.0, help="days of history backfilled at start (default: 7)")
    demo.add_argument("--scale", type=float, default=1.0,
                      help="traffic as a multiple of the fleet's nominal request rates (default: 1)")
    demo.add_argument("--no-faults", dest="faults", action="store_false",
                      help="play the fleet without its scheduled faults (README: make demo)")
    config_flags.add_setting_flags(demo)


@dataclass
class DemoFleet:
    """The fleet wired to one service: its runner (spans, feedback) and its GPU hosts (agent-reporting nodes,
    and the DCGM-reporting one when a stand-in exporter serves it)."""

    runner: Runner
    gpu_nodes: list[GpuNode]
    api: ApiClient

    def close(self) -> None:
        close_nodes(self.gpu_nodes)
        self.runner.emitter.shutdown()
        self.api.close()


def open_fleet(otlp_http: str, api_url: str, seed: int, anchor: datetime, ingest_key: str | None = None,
               scale: float = 1.0, schedule: tuple[faults.Fault, ...] = (),
               dcgm: DcgmHost | None = None) -> DemoFleet:
    """The demo fleet sending to a service's OTLP/HTTP receiver and REST API (an ingest key when it needs one),
    playing the faults of `schedule`; `dcgm` is the DCGM-reporting replica's exporter, when one is served."""
    headers = {"Authorization": f"Bearer {ingest_key}"} if ingest_key else {}
    api = ApiClient(api_url)
    nodes = open_nodes(otlp_http, seed, headers)
    runner = Runner(seed, anchor, TraceEmitter(otlp_http, headers), FeedbackSender(api, ingest_key),
                    [*nodes, *([dcgm] if dcgm else [])], scale, schedule)
    return DemoFleet(runner, nodes, api)


def _check(args: argparse.Namespace) -> None:
    for name in ("speed", "scale"):
        if not getattr(args, name) > 0:
            raise BadInput(f"--{name}: must be a positive number, not {getattr(args, name)}")
    if not 0 <= args.days <= 90:
        raise BadInput(f"--days: must be between 0 and 90, not {args.days}")


def run(args: argparse.Namespace) -> int:
    _check(args)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    overrides = config_flags.overrides_from(args)
    temporary = None if "data_dir" in overrides else Path(tempfile.mkdtemp(prefix="spyglass-demo-"))
    if temporary is not None:
        overrides["data_dir"] = str(temporary)
    dcgm = DcgmHost(args.seed)
    exporter = DcgmServer(dcgm)
    try:
        settings = demo_settings(args.config, overrides, exporter.url)
        logging.getLogger().setLevel(settings.log_level)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per feedback request is noise here
        _serve(settings, args, dcgm)
    finally:
        exporter.close()
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


def _serve(settings: config.Settings, args: argparse.Namespace, dcgm: DcgmHost) -> None:
    where = endpoints(settings)
    if "OTLP/HTTP" not in where or "API" not in where:
        raise BadInput("--roles: the demo needs the collector and api roles in its own process")
    stop = threading.Event()
    anchor = datetime.now(timezone.utc).replace(microsecond=0)
    ingest_key, admin_key = next(iter(settings.ingest_keys), None), next(iter(settings.admin_keys), None)
    fleet_thread = threading.Thread(target=_play, name="demo-fleet", daemon=True,
                                    args=(where["OTLP/HTTP"], where["API"], args, anchor, ingest_key, admin_key,
                                          stop, dcgm))

    def ready() -> None:
        print("Spyglass demo is up: " + ", ".join(f"{name} {url}" for name, url in where.items())
              + f"; data in {settings.data_dir}", flush=True)
        fleet_thread.start()

    def on_signal() -> None:
        stop.set()
        if fleet_thread.is_alive():
            fleet_thread.join()

    asyncio.run(run_until_signalled(settings, ready, on_signal))


@contextmanager
def _ingest_alerts_silenced(api_url: str, admin_key: str | None) -> Iterator[None]:
    """`ingest-stopped` silenced while the block runs, and for LIVE_GRACE after it (a new silence, then the first
    expired: silences are replaced, not edited)."""
    def silence(duration: str, comment: str) -> str:
        return api.add_silence(SilenceRequest(matchers=[BACKFILL_SILENCE], created_by="spyglass demo",
                                              comment=comment, duration=duration)).id

    with ApiClient(api_url, admin_key=admin_key) as api:
        during = silence("1d", "the demo's backfill: every service's newest data is hours old until it ends")
        try:
            yield
        finally:
            silence(LIVE_GRACE, "the demo's backfill ended: live data is judged first")
            api.expire_silence(during)


def _play(otlp_http: str, api_url: str, args: argparse.Namespace, anchor: datetime, ingest_key: str | None,
          admin_key: str | None, stop: threading.Event, dcgm: DcgmHost) -> None:
    """The fleet's thread: backfill, then live play until `stop`. A failure is one line; the service stays up."""
    schedule = faults.SCHEDULE if args.faults else ()
    fleet = open_fleet(otlp_http, api_url, args.seed, anchor, ingest_key, args.scale, schedule, dcgm)
    try:
        began = time.monotonic()
        print(f"backfilling {args.days:g} days of the fleet's traffic (seed {args.seed}) ...", flush=True)
        with _ingest_alerts_silenced(api_url, admin_key):
            fleet.runner.backfill(anchor - timedelta(days=args.days), anchor, stop)
        played = fleet.runner.played
        rounds = sum(node.rounds for node in fleet.gpu_nodes)
        print(f"backfilled {played.traces} requests ({played.spans} spans), {played.feedback} feedback, "
              f"{rounds} GPU sample rounds in {time.monotonic() - began:.1f} s; live traffic at "
              f"{args.speed:g}x (Ctrl-C to stop)", flush=True)
        for fault, start, end in faults.live_offsets(schedule, args.speed):
            print(f"fault {fault.name} (alert {fault.rule}): live from +{start.total_seconds():.0f} s to "
                  f"+{end.total_seconds():.0f} s: {fault.summary}", flush=True)
        fleet.runner.live(args.speed, stop)
    except Exception as exc:  # the fleet is a guest of the service: report it, keep the dashboard up
        log.error("demo fleet stopped: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
        print(f"spyglass demo: the fleet stopped: {exc}", file=sys.stderr, flush=True)
    finally:
        fleet.close()
