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


# --- delivery of mail and SMS -------------------------------------------------------------------

def test_with_nothing_set_mail_and_sms_go_to_the_local_outbox(tmp_path: Path) -> None:
    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path)})
    assert settings.smtp_url is None
    assert settings.mail_from == "ОМК Цифровые сервисы <noreply@omk.local>"
    assert settings.sms_gateway == "local"
    assert (settings.smsru_api_id, settings.smsru_sender, settings.smsru_test) == (None, None, False)
    assert settings.smsru_url == "https://sms.ru"


def test_smtp_and_smsru_are_chosen_by_configuration() -> None:
    settings = Settings.load({"OMK_SMTP_URL": "smtp://omk:p%40ss@mail.omk.ru:587?starttls=1",
                              "OMK_MAIL_FROM": "ОМК <noreply@omk.ru>", "OMK_SMS_GATEWAY": "SMSRU",
                              "OMK_SMSRU_API_ID": " A3CA597E-3ACF ", "OMK_SMSRU_SENDER": "OMK",
                              "OMK_SMSRU_TEST": "1", "OMK_SMSRU_URL": "https://sms.ru/"})
    assert settings.smtp_url == "smtp://omk:p%40ss@mail.omk.ru:587?starttls=1"
    assert settings.mail_from == "ОМК <noreply@omk.ru>"
    assert (settings.sms_gateway, settings.smsru_api_id, settings.smsru_sender) == ("smsru", "A3CA597E-3ACF", "OMK")
    assert settings.smsru_test is True
    assert settings.smsru_url == "https://sms.ru"


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("yes", True), ("0", False),
                                                 ("false", False), ("", False)])
def test_the_smsru_dry_run_flag_reads_like_a_switch(value: str, expected: bool) -> None:
    assert Settings.load({"OMK_SMSRU_TEST": value}).smsru_test is expected


@pytest.mark.parametrize(("env", "named"), [
    ({"OMK_SMTP_URL": "http://mail.omk.ru"}, "OMK_SMTP_URL"),
    ({"OMK_SMTP_URL": "smtp://"}, "OMK_SMTP_URL"),
    ({"OMK_SMTP_URL": "smtp://mail.omk.ru:port"}, "OMK_SMTP_URL"),
    ({"OMK_SMTP_URL": "smtp://omk:пароль@mail.omk.ru"}, "OMK_SMTP_URL"),
    ({"OMK_MAIL_FROM": "noreply"}, "OMK_MAIL_FROM"),
    ({"OMK_MAIL_FROM": "a@omk.ru, b@omk.ru"}, "OMK_MAIL_FROM"),
    ({"OMK_SMS_GATEWAY": "twilio"}, "OMK_SMS_GATEWAY"),
    ({"OMK_SMS_GATEWAY": "smsru"}, "OMK_SMSRU_API_ID"),
    ({"OMK_SMS_GATEWAY": "smsru", "OMK_SMSRU_API_ID": "  "}, "OMK_SMSRU_API_ID"),
    ({"OMK_SMSRU_URL": "ftp://sms.ru"}, "OMK_SMSRU_URL"),
    ({"OMK_SMSRU_TEST": "maybe"}, "OMK_SMSRU_TEST"),
])
def test_a_bad_delivery_setting_is_refused_with_a_message_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.load(env)


def test_a_refused_smtp_url_does_not_show_its_password() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.load({"OMK_SMTP_URL": "smtp://omk:hunter2@mail.omk.ru:port"})
    assert "hunter2" not in str(refused.value)


def test_the_settings_repr_hides_passwords_and_the_api_id() -> None:
    settings = Settings.load({"OMK_SMTP_URL": "smtps://omk:hunter2@mail.omk.ru", "OMK_SMS_GATEWAY": "smsru",
                              "OMK_SMSRU_API_ID": "A3CA597E-SECRET", "OMK_AMQP_URL": "amqp://u:rabbit-pw@mq/%2F"})
    text = repr(settings)
    assert "hunter2" not in text and "A3CA597E-SECRET" not in text and "rabbit-pw" not in text
    assert "smtps://omk:***@mail.omk.ru" in text


def test_the_services_deliver_through_the_adapters_the_settings_choose(tmp_path: Path) -> None:
    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender
    from omk_adapters.notify.smsru import SmsRuSender
    from omk_adapters.notify.smtp import SmtpMailer

    embedded = bootstrap(Settings.load({"OMK_DATA_DIR": str(tmp_path)}))
    production = bootstrap(Settings.load({"OMK_DATA_DIR": str(tmp_path), "OMK_SMTP_URL": "smtp://mail.omk.ru:25",
                                          "OMK_SMS_GATEWAY": "smsru", "OMK_SMSRU_API_ID": "key",
                                          "OMK_SMSRU_TEST": "1"}))
    try:
        assert isinstance(embedded.mailer, LocalFolderMailer)
        assert embedded.mailer.folder == tmp_path / "outbox" / "mail"
        assert isinstance(embedded.sms, LocalFolderSmsSender)
        assert embedded.sms.path == tmp_path / "outbox" / "sms.jsonl"
        assert isinstance(production.mailer, SmtpMailer) and production.mailer.host == "mail.omk.ru"
        assert isinstance(production.sms, SmsRuSender) and production.sms.test
    finally:
        embedded.close()
        production.close()


# --- password hashing ---------------------------------------------------------------------------

def test_argon2_parameters_default_to_three_passes_64_mib_and_four_lanes() -> None:
    settings = Settings.load({})
    assert (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism) == (3, 65536, 4)


def test_argon2_parameters_are_chosen_by_configuration_and_reach_the_hasher(tmp_path: Path) -> None:
    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.security.codes import SecretsCodeGenerator
    from omk_adapters.security.passwords import Argon2idPasswordHasher
    from omk_adapters.security.totp import PyOtpTotpService

    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path), "OMK_ARGON2_TIME_COST": "1",
                              "OMK_ARGON2_MEMORY_KIB": " 64 ", "OMK_ARGON2_PARALLELISM": "2"})
    assert (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism) == (1, 64, 2)
    services = bootstrap(settings)
    try:
        assert isinstance(services.password_hasher, Argon2idPasswordHasher)
        assert services.password_hasher.hash("Трубы-стальные-2026").startswith("$argon2id$v=19$m=64,t=1,p=2$")
        assert isinstance(services.codes, SecretsCodeGenerator)
        assert isinstance(services.totp, PyOtpTotpService)
    finally:
        services.close()


@pytest.mark.parametrize(("env", "named"), [
    ({"OMK_ARGON2_TIME_COST": "0"}, "OMK_ARGON2_TIME_COST"),
    ({"OMK_ARGON2_TIME_COST": "three"}, "OMK_ARGON2_TIME_COST"),
    ({"OMK_ARGON2_TIME_COST": "2.5"}, "OMK_ARGON2_TIME_COST"),
    ({"OMK_ARGON2_MEMORY_KIB": "64MB"}, "OMK_ARGON2_MEMORY_KIB"),
    ({"OMK_ARGON2_MEMORY_KIB": "4"}, "OMK_ARGON2_MEMORY_KIB"),
    ({"OMK_ARGON2_MEMORY_KIB": str(8 * 1024 * 1024)}, "OMK_ARGON2_MEMORY_KIB"),
    ({"OMK_ARGON2_MEMORY_KIB": "16", "OMK_ARGON2_PARALLELISM": "4"}, "OMK_ARGON2_MEMORY_KIB"),
    ({"OMK_ARGON2_PARALLELISM": "0"}, "OMK_ARGON2_PARALLELISM"),
    ({"OMK_ARGON2_PARALLELISM": "-1"}, "OMK_ARGON2_PARALLELISM"),
    ({"OMK_ARGON2_PARALLELISM": ""}, "OMK_ARGON2_PARALLELISM"),
])
def test_a_bad_argon2_parameter_is_refused_with_a_message_naming_the_variable(env: dict[str, str],
                                                                             named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.load(env)


def test_argon2_parameters_are_read_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "omk.toml"
    config.write_text("argon2_time_cost = 4\nargon2_memory_kib = 131072\n", encoding="utf-8")
    settings = Settings.load({"OMK_CONFIG": str(config)})
    assert (settings.argon2_time_cost, settings.argon2_memory_kib) == (4, 131072)


def test_emailed_links_point_at_the_public_url(tmp_path: Path) -> None:
    from omk_adapters.bootstrap import bootstrap

    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path), "OMK_PUBLIC_URL": "https://portal.omk.example/"})
    services = bootstrap(settings, migrate=True)
    try:
        assert services.bus.deps["reset_link_base"] == "https://portal.omk.example/password-reset"
    finally:
        services.close()
    with pytest.raises(SettingsError, match="OMK_PUBLIC_URL"):
        Settings.load({"OMK_PUBLIC_URL": "portal.omk.example"})
