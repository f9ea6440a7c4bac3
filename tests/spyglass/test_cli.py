"""The CLI and configuration: one readable line and a non-zero exit for every mistake,
settings from flags over environment over spyglass.yaml over defaults."""

from __future__ import annotations

import pytest

from spyglass.config import load
from store.errors import ConfigError
from tests.helpers.cli import spyglass
from tests.helpers.service_process import free_port


def test_precedence_flags_env_yaml_defaults(tmp_path, monkeypatch):
    (tmp_path / "spyglass.yaml").write_text("api-port: 9001\notlp_http_port: 9002\ningest_keys: {k1: p1}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPYGLASS_OTLP_HTTP_PORT", "9003")
    settings = load(None, otlp_grpc_port=9004)
    assert (settings.api_port, settings.otlp_http_port, settings.otlp_grpc_port) == (9001, 9003, 9004)
    assert settings.ingest_keys == {"k1": "p1"} and settings.host == "127.0.0.1"
    assert load(None, api_port=9005).api_port == 9005


@pytest.mark.parametrize("yaml_text, fragment", [
    ("api_port: [1, 2]\n", "api_port"),
    ("no_such_setting: 1\n", "no_such_setting"),
    ("roles: collector,wizard\n", "wizard"),
    ("- a list\n", "mapping"),
    ("api_port: {\n", "YAML"),
])
def test_bad_configuration_is_one_line_and_exit_2(tmp_path, yaml_text, fragment):
    (tmp_path / "spyglass.yaml").write_text(yaml_text)
    result = spyglass("up", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spyglass: ") and fragment in lines[0], result.stderr
    assert not (tmp_path / "d").exists(), "nothing is created before the configuration is valid"


def test_missing_config_file_and_busy_port(tmp_path):
    missing = spyglass("up", "--config", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr

    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = spyglass("up", "--data-dir", str(tmp_path / "d"), "--no-dashboard", "--api-port", str(port),
                          "--otlp-http-port", str(free_port()), "--otlp-grpc-port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


def test_a_data_dir_held_by_another_service_is_a_clear_error(tmp_path):
    from tests.helpers.service_process import ServiceProcess

    first = ServiceProcess(tmp_path / "data").start()
    try:
        result = spyglass("up", "--data-dir", str(tmp_path / "data"), "--no-dashboard",
                          "--api-port", str(free_port()), "--otlp-http-port", str(free_port()),
                          "--otlp-grpc-port", str(free_port()), cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines() == [
            f"spyglass: another Spyglass is using {tmp_path / 'data'} (one process per data directory; stop it, or "
            "give this one another --data-dir)"]
    finally:
        first.stop()


def test_clickhouse_url_must_be_http(tmp_path):
    result = spyglass("up", "--clickhouse-url", "tcp://localhost:9000", cwd=tmp_path)
    assert result.returncode == 2 and "http(s)://" in result.stderr


def test_load_rejects_a_cluster_without_a_server():
    from store import open_store

    with pytest.raises(ConfigError):
        open_store("unused", None, "db", cluster="c1")


def test_a_list_setting_in_the_environment_must_be_json(tmp_path):
    import os

    env = {**os.environ, "SPYGLASS_READ_KEYS": "not-json"}
    result = spyglass("up", "--data-dir", str(tmp_path / "d"), cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "read_keys" in result.stderr and "JSON" in result.stderr
