"""Configuration: production refuses to start without a secret key; dev keeps one on disk."""

import pytest

from collector import config


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    conf = config.from_env({})
    with pytest.raises(config.ConfigError, match="FIILIS_SECRET_KEY"):
        config.resolve(conf, str(tmp_path), print)


def test_development_creates_a_secret_key_once_and_keeps_it(tmp_path):
    said = []
    first = config.resolve(
        config.from_env({"FIILIS_ENV": "development"}), str(tmp_path), said.append
    )
    second = config.resolve(
        config.from_env({"FIILIS_ENV": "development"}), str(tmp_path), said.append
    )
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert len(said) == 1 and "secret key" in said[0]


def test_env_vars_configure_the_collector(tmp_path):
    conf = config.from_env(
        {
            "FIILIS_SECRET_KEY": "k" * 32,
            "FIILIS_SECRET_KEY_FALLBACKS": "old1, old2",
            "FIILIS_DATABASE_URL": "postgresql+psycopg://db/x",
            "FIILIS_TRUSTED_PROXIES": "1",
        }
    )
    conf = config.resolve(conf, str(tmp_path), print)
    assert conf["SECRET_KEY_FALLBACKS"] == ["old1", "old2"]
    assert conf["DATABASE_URL"] == "postgresql+psycopg://db/x"
    assert conf["TRUSTED_PROXIES"] == 1
    assert conf["DEV"] is False


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    conf = config.resolve(config.from_env({"FIILIS_SECRET_KEY": "k" * 32}), str(tmp_path), print)
    assert conf["DATABASE_URL"] == f"sqlite:///{tmp_path / 'fiilis.db'}"


def test_a_short_secret_key_is_refused_outside_development():
    with pytest.raises(config.ConfigError, match="at least 32"):
        config.from_env({"FIILIS_SECRET_KEY": "changeme"})
    dev = config.from_env({"FIILIS_SECRET_KEY": "changeme", "FIILIS_ENV": "development"})
    assert dev["SECRET_KEY"] == "changeme"
    assert config.from_env({"FIILIS_SECRET_KEY": "x" * 32})["SECRET_KEY"] == "x" * 32
