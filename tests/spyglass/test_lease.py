"""The scheduler lease: held by one process at a time, renewed, given back, taken over when it expired
or when its holder on this host is gone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from spyglass.lease import Lease
from store.errors import ConfigError

T0 = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def lease(store, holder: str, at: datetime) -> Lease:
    return Lease(store, holder=holder, ttl=timedelta(seconds=60), clock=lambda: at)


def test_one_holder_at_a_time_until_it_gives_the_lease_back(store):
    a = lease(store, "elsewhere:1:a", T0)
    a.acquire()
    with pytest.raises(ConfigError, match=r"another Spyglass scheduler \(elsewhere:1:a\) holds the scheduler lease"):
        lease(store, "elsewhere:2:b", T0 + timedelta(seconds=10)).acquire()
    a.release()
    lease(store, "elsewhere:2:b", T0 + timedelta(seconds=11)).acquire()


def test_renewing_keeps_it_and_an_expired_lease_can_be_taken(store):
    a = lease(store, "elsewhere:1:a", T0)
    a.acquire()
    a.renew(T0 + timedelta(seconds=50))
    with pytest.raises(ConfigError):
        lease(store, "elsewhere:2:b", T0 + timedelta(seconds=100)).acquire()  # renewed: valid until +110 s
    b = lease(store, "elsewhere:2:b", T0 + timedelta(seconds=111))
    b.acquire()
    with pytest.raises(ConfigError, match="taken over by elsewhere:2:b"):
        a.renew(T0 + timedelta(seconds=112))


def test_a_holder_on_this_host_whose_process_is_gone_does_not_block(store):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lease(store, f"{socket.gethostname()}:{dead.pid}:x", T0).acquire()
    Lease(store, ttl=timedelta(seconds=60), clock=lambda: T0 + timedelta(seconds=1)).acquire()  # this process


def test_a_holder_on_this_host_that_is_alive_blocks(store):
    lease(store, f"{socket.gethostname()}:{os.getppid()}:x", T0).acquire()  # the test runner's parent: alive
    with pytest.raises(ConfigError, match="holds the scheduler lease"):
        Lease(store, ttl=timedelta(seconds=60), clock=lambda: T0 + timedelta(seconds=1)).acquire()
