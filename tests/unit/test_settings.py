"""Settings: embedded defaults with nothing set, and a clear message for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from omk_adapters.settings import Settings, SettingsError

pytestmark = pytest.mark.unit


def test_with_nothing_set_everything_is_embedded(tmp_path: Path) -> None:
    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'omk.sqlite3'}"
    assert settings.amqp_url is None
    assert not settings.is_postgres


def test_postgres_and_rabbitmq_are_chosen_by_configuration() -> None:
    settings = Settings.load({"OMK_DATABASE_URL": "postgresql://postgres@127.0.0.1/omk",
                              "OMK_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F"})
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1/omk"
    assert settings.is_postgres
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/%2F"


def test_a_toml_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "omk.toml"
    config.write_text('scheduler_interval = 5\nlog_format = "json"\n', encoding="utf-8")
    settings = Settings.load({"OMK_CONFIG": str(config), "OMK_SCHEDULER_INTERVAL": "2.5"})
    assert settings.scheduler_interval == 2.5
    assert settings.log_format == "json"


@pytest.mark.parametrize(("env", "named"), [
    ({"OMK_DATABASE_URL": "mysql://x"}, "OMK_DATABASE_URL"),
    ({"OMK_AMQP_URL": "http://broker"}, "OMK_AMQP_URL"),
    ({"OMK_SCHEDULER_INTERVAL": "soon"}, "OMK_SCHEDULER_INTERVAL"),
    ({"OMK_SCHEDULER_INTERVAL": "-1"}, "OMK_SCHEDULER_INTERVAL"),
    ({"OMK_SCHEDULER_INTERVAL": "nan"}, "OMK_SCHEDULER_INTERVAL"),
    ({"OMK_LOG_FORMAT": "xml"}, "OMK_LOG_FORMAT"),
    ({"OMK_LOG_LEVEL": "LOUD"}, "OMK_LOG_LEVEL"),
    ({"OMK_CONFIG": "/nonexistent/omk.toml"}, "OMK_CONFIG"),
])
def test_a_bad_value_is_refused_with_a_message_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.load(env)


def test_a_broken_or_unknown_config_file_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("interval = = 3", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        Settings.load({"OMK_CONFIG": str(broken)})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'", encoding="utf-8")
    with pytest.raises(SettingsError, match="colour"):
        Settings.load({"OMK_CONFIG": str(unknown)})
