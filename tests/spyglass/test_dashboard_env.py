"""What `spyglass up` tells the dashboard it starts: where the API is, the read key, and an admin key for the pages
that change state (silences, replays, incident moves) unless `dashboard_writes` is off."""

from __future__ import annotations

from spyglass.config import Settings
from spyglass.service import dashboard_env


def test_the_dashboard_gets_the_first_read_and_admin_keys():
    env = dashboard_env(Settings(api_port=9040, read_keys=["r1", "r2"], admin_keys=["a1", "a2"]), {"PATH": "/bin"})
    assert (env["SPYGLASS_API_URL"], env["SPYGLASS_API_KEY"], env["SPYGLASS_ADMIN_KEY"], env["PATH"]) == (
        "http://127.0.0.1:9040", "r1", "a1", "/bin")


def test_an_admin_key_set_where_spyglass_up_runs_wins():
    env = dashboard_env(Settings(admin_keys=["a1"]), {"SPYGLASS_ADMIN_KEY": "a2"})
    assert env["SPYGLASS_ADMIN_KEY"] == "a2"


def test_without_keys_or_with_writes_off_the_dashboard_has_no_admin_key():
    assert "SPYGLASS_ADMIN_KEY" not in dashboard_env(Settings(), {})
    assert "SPYGLASS_API_KEY" not in dashboard_env(Settings(), {})
    off = Settings(admin_keys=["a1"], dashboard_writes=False)
    assert "SPYGLASS_ADMIN_KEY" not in dashboard_env(off, {"SPYGLASS_ADMIN_KEY": "inherited"})
