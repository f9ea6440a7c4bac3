"""The CLI's way to a running service: `--api-url`/`--api-key` (defaults from SPYGLASS_API_URL/SPYGLASS_API_KEY),
`--admin-key` for verbs that change state (default SPYGLASS_ADMIN_KEY), one API client, and the API's refusals as
one readable line."""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable
from typing import TypeVar

from client.api import DEFAULT_API_URL, ApiClient, ApiError, ApiUnreachable
from store.errors import SpyglassError

T = TypeVar("T")


def add_api_arguments(parser: argparse.ArgumentParser, admin: bool = False) -> None:
    """The service's address and key; `admin`: the verb changes state and sends an admin key."""
    parser.add_argument("--api-url", default=os.environ.get("SPYGLASS_API_URL") or DEFAULT_API_URL,
                        help=f"the service's REST API (default: $SPYGLASS_API_URL or {DEFAULT_API_URL})")
    parser.add_argument("--api-key", default=os.environ.get("SPYGLASS_API_KEY"),
                        help="read key (default: $SPYGLASS_API_KEY)")
    if admin:
        parser.add_argument("--admin-key", default=os.environ.get("SPYGLASS_ADMIN_KEY"),
                            help="admin key, needed to change state when the service has keys "
                                 "(default: $SPYGLASS_ADMIN_KEY)")
    else:
        parser.set_defaults(admin_key=None)


def call(args: argparse.Namespace, what: str, request: Callable[[ApiClient], T]) -> T:
    """`request` against the service; an unreachable API or a refusal is a SpyglassError of one line."""
    try:
        with ApiClient(args.api_url, args.api_key, admin_key=args.admin_key) as api:
            return request(api)
    except ApiUnreachable as exc:
        raise SpyglassError(f"cannot reach the Spyglass API at {args.api_url} ({exc.message}); "
                            "is `spyglass up` running?") from exc
    except ApiError as exc:
        raise SpyglassError(f"{what} failed ({exc.status}): {exc.message}{key_hint(exc)}") from exc


def key_hint(error: ApiError) -> str:
    """What to do when the API wanted an admin key, in the CLI's terms ('' for any other refusal)."""
    if error.status in (401, 403) and "admin key" in error.message:
        return "; give --admin-key or set SPYGLASS_ADMIN_KEY"
    return ""


def user_name() -> str:
    """Who runs the command, for `--by`/`--author` defaults ('' when the system has no login name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return ""
