"""Waiting for something a service does in the background (a job run, a commit, a page), in one place."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30, interval: float = 0.1, what: str = "the condition") -> T:
    """Call `check` until it returns something truthy, and return that; fail naming `what` after `timeout` s.

    The last value `check` returned is in the failure message, so a test that times out says what it saw.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s (last seen: {value!r})")
        time.sleep(interval)
