"""The exception hierarchy every Spyglass package shares.

It lives in `store` because `store` imports nothing of ours, so every other package may
import it. Transports map these to status codes in one place each (collector/status.py,
spyglass/api/__init__.py, spyglass/cli/main.py).
"""


class SpyglassError(Exception):
    """Base of every error Spyglass raises on purpose."""


class BadInput(SpyglassError):
    """The caller sent something we cannot accept; retrying the same input cannot help."""


class StoreUnavailable(SpyglassError):
    """The store failed or is unreachable; the same request may succeed later."""


class QueryError(SpyglassError):
    """ClickHouse refused the statement itself (syntax, unknown column, wrong type): retrying cannot help.

    Apart from StoreUnavailable so that callers can tell "this query is broken" (an alert rule's
    SQL, a bug) from "the data source is down" (retry, and say the source is down).
    """


class Conflict(BadInput):
    """The request is well formed but the current state refuses it (replaying a notification still pending)."""


class ConfigError(SpyglassError):
    """The configuration is invalid."""


class Unauthorized(SpyglassError):
    """Keys are configured and the request carries none, or a wrong one."""


class Forbidden(SpyglassError):
    """The request carries a valid key that is not enough for it (a read key where an admin key is needed)."""


class HardwareUnavailable(SpyglassError):
    """The hardware interface a command needs is absent here (e.g. NVML on a machine without an NVIDIA driver)."""
