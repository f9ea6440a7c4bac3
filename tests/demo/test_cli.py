"""`spyglass demo`'s bad input: one line on stderr, exit 2, and no service started (nothing written)."""

from __future__ import annotations

import pytest

from spyglass.cli.main import main


@pytest.mark.parametrize(("args", "message"), [
    (["--speed", "0"], "--speed: must be a positive number"),
    (["--scale", "-1"], "--scale: must be a positive number"),
    (["--days", "400"], "--days: must be between 0 and 90"),
])
def test_bad_flags_are_one_line_and_exit_2(args, message, capsys, tmp_path):
    assert main(["demo", "--data-dir", str(tmp_path / "data"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "data").exists()
