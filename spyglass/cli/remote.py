"""The CLI's way to a running service: `--api-url`/`--api-key` (defaults from SPYGLASS_API_URL/SPYGLASS_API_KEY),
one API client, and the API's refusals as one readable line."""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from typing import TypeVar

from client.api import DEFAULT_API_URL, ApiClient, ApiError, ApiUnreachable
from store.errors import SpyglassError

T = TypeVar("T")


def add_api_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-url", default=os.environ.get("SPYGLASS_API_URL") or DEFAULT_API_URL,
                        help=f"the service's REST API (default: $SPYGLASS_API_URL or {DEFAULT_API_URL})")
    parser.add_argument("--api-key", default=os.environ.get("SPYGLASS_API_KEY"),
                        help="read key (default: $SPYGLASS_API_KEY)")


def call(args: argparse.Namespace, what: str, request: Callable[[ApiClient], T]) -> T:
    """`request` against the service; an unreachable API or a refusal is a SpyglassError of one line."""
    try:
        with ApiClient(args.api_url, args.api_key) as api:
            return request(api)
    except ApiUnreachable as exc:
        raise SpyglassError(f"cannot reach the Spyglass API at {args.api_url} ({exc.message}); "
                            "is `spyglass up` running?") from exc
    except ApiError as exc:
        raise SpyglassError(f"{what} failed ({exc.status}): {exc.message}") from exc


def user_name() -> str:
    """Who runs the command, for `--by`/`--author` defaults ('' when the system has no login name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return ""
