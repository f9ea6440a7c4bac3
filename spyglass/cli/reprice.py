"""`spyglass reprice --since --until`: re-price a period with the catalog the running service uses.

It asks the service (POST /api/v1/costs/reprice, through the API client) instead of opening
the store itself: the embedded store belongs to one process, and the service is the one that
knows the current catalog. The API address and keys come from the same settings as `spyglass up`; a
reprice changes state, so it sends an admin key when one is given or configured.
"""

from __future__ import annotations

import argparse
import os

from client.api import ApiClient, ApiError, ApiUnreachable
from spyglass import config
from spyglass.cli.remote import key_hint
from spyglass.service import endpoints
from store.errors import SpyglassError


def add_parser(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser("reprice", help="re-price a period with the current price catalog (old costs stay auditable)")
    p.add_argument("--since", required=True, help="RFC 3339 time or now-<duration>, e.g. 2026-11-01T00:00:00Z")
    p.add_argument("--until", default="now", help="RFC 3339 time or now-<duration> (default: now)")
    p.add_argument("--config", help="settings file (default: ./spyglass.yaml when present)")
    p.add_argument("--api-url", help="the service's API (default: from the settings, e.g. http://127.0.0.1:8040)")
    p.add_argument("--api-key", help="a read key, when the API requires one (default: the first configured)")
    p.add_argument("--admin-key", help="an admin key, when the service has keys (default: $SPYGLASS_ADMIN_KEY, "
                                       "else the first configured)")


def run(args: argparse.Namespace) -> int:
    settings = config.load(args.config)
    url = args.api_url or endpoints(settings.model_copy(update={"roles": ("api",)}))["API"]
    key = args.api_key or next(iter(settings.read_keys), None)
    admin = args.admin_key or os.environ.get("SPYGLASS_ADMIN_KEY") or next(iter(settings.admin_keys), None)
    try:
        with ApiClient(url, key, admin_key=admin) as api:
            r = api.reprice(args.since, args.until)
    except ApiUnreachable as exc:
        raise SpyglassError(f"cannot reach the Spyglass API at {url} ({exc.__cause__ or exc.message}); "
                            "is `spyglass up` running?") from exc
    except ApiError as exc:
        raise SpyglassError(f"reprice failed ({exc.status}): {exc.message}{key_hint(exc)}") from exc
    print(f"repriced {r.repriced} calls from {r.since} to {r.until} with catalog {r.catalog_version}: "
          f"{r.changed} changed cost; total {r.total_before} -> {r.total_after}")
    return 0
