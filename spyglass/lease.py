"""The scheduler's lease: one scheduler per store.

Alert evaluation keeps state (pending timers, what was sent); two evaluators on one store would
page twice and race. So the scheduler claims the `scheduler` lease at start, renews it every
third of its time-to-live, and gives it back at stop. A start finds the lease held when another
holder renewed it within its time-to-live, and refuses with one line that says who holds it.
A holder that died without giving it back (SIGKILL) blocks a new start for at most the
time-to-live, or not at all when it ran on this host and its process is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from store.base import Store
from store.errors import ConfigError
from store.queries import leases

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
# A claim is read back after this long, so that of two simultaneous claims both see the later one.
_SETTLE_SECONDS = 0.05


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def this_process() -> str:
    """`host:pid:nonce`: unique per process start, and says where to look for the holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _dead_here(holder: str) -> bool:
    """The holder ran on this host and its process is gone (so its lease can be taken at once)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid))


@dataclass
class Lease:
    store: Store
    name: str = SCHEDULER
    ttl: timedelta = timedelta(seconds=60)
    holder: str = field(default_factory=this_process)
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    _acquired_at: datetime | None = None

    @property
    def renew_every(self) -> float:
        return self.ttl.total_seconds() / 3

    def acquire(self) -> None:
        """Take the lease, or raise ConfigError naming the holder that has it."""
        now = self.clock()
        held = leases.current(self.store, self.name)
        if held and held.holder != self.holder and held.expires_at > now and not _dead_here(held.holder):
            raise ConfigError(self._held_message(held, now))
        leases.claim(self.store, self.name, self.holder, now, now, now + self.ttl)
        time.sleep(_SETTLE_SECONDS)
        winner = leases.current(self.store, self.name)
        if winner is None or winner.holder != self.holder:
            raise ConfigError(self._held_message(winner, now) if winner else f"could not claim the {self.name} lease")
        self._acquired_at = now
        log.info("lease=%s holder=%s acquired", self.name, self.holder)

    def renew(self, now: datetime) -> None:
        """Extend the lease; raises if another holder took it meanwhile (this process stalled past its TTL)."""
        assert self._acquired_at is not None, "renew() before acquire()"
        held = leases.current(self.store, self.name)
        if held is not None and held.holder != self.holder:
            raise ConfigError(f"the {self.name} lease was taken over by {held.holder}")
        leases.claim(self.store, self.name, self.holder, self._acquired_at, now, now + self.ttl)

    def release(self) -> None:
        """Give the lease back (expired now), so that the next start need not wait for the TTL."""
        if self._acquired_at is None:
            return
        held = leases.current(self.store, self.name)
        if held is not None and held.holder == self.holder:
            now = self.clock()
            leases.claim(self.store, self.name, self.holder, self._acquired_at, now, now)
        self._acquired_at = None

    def _held_message(self, held: leases.LeaseRow, now: datetime) -> str:
        ago = max(0, round((now - held.renewed_at).total_seconds()))
        return (f"another Spyglass scheduler ({held.holder}) holds the {self.name} lease on this store "
                f"(renewed {ago} s ago, expires {held.expires_at.isoformat().replace('+00:00', 'Z')}); run one "
                "scheduler per store: stop it, or start this process without the scheduler role (--roles)")
