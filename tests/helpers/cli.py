"""The `spyglass` command as a user runs it: a child process, its exit code and its output."""

from __future__ import annotations

import subprocess
import sys


def spyglass(*args: str, cwd=None, env=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "spyglass.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)
