"""Configuration from the environment, and a factory that does no I/O."""
import pytest

from eventnet import create_app
from eventnet.config import ConfigError, load_config


def test_production_refuses_to_start_without_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path), {"EVENTNET_ENV": "production", "SMTP_URL": "smtp://mail.example.org"})


def test_production_is_the_default_and_needs_a_mail_server(tmp_path):
    with pytest.raises(ConfigError, match="SMTP_URL"):
        load_config(str(tmp_path), {"SECRET_KEY": "x" * 40})


def test_development_has_a_throwaway_key_and_the_local_mailbox(tmp_path):
    config = load_config(str(tmp_path), {"EVENTNET_ENV": "development"})
    assert len(config["SECRET_KEY"]) >= 32
    assert config["MAILBOX_ENABLED"] is True
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/eventnet.sqlite3"


def test_environment_names_procfile_platforms_use(tmp_path):
    config = load_config(
        str(tmp_path),
        {
            "EVENTNET_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "DATABASE_URL": "postgres://u:p@db.internal:5432/eventnet",
            "BASE_URL": "https://meet.example.org/",
            "SMTP_URL": "smtps://user:pass@mail.example.org:465",
            "MAIL_FROM": "Conf <hello@example.org>",
            "REDIS_URL": "redis://cache:6379/0",
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal:5432/eventnet"
    assert config["BASE_URL"] == "https://meet.example.org"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["MAILBOX_ENABLED"] is False
    assert config["MAIL_FROM"] == "Conf <hello@example.org>"
    assert config["REDIS_URL"] == "redis://cache:6379/0"


@pytest.mark.parametrize("base_url", ["meet.example.org", "ftp://x.org", "https://"])
def test_base_url_must_be_an_absolute_origin(tmp_path, base_url):
    with pytest.raises(ConfigError, match="BASE_URL"):
        load_config(str(tmp_path), {"EVENTNET_ENV": "development", "BASE_URL": base_url})


def test_factory_does_no_io(tmp_path):
    # A database in a folder that does not exist and a mailbox path likewise: building the app
    # must neither create them nor connect anywhere.
    missing = tmp_path / "not" / "there"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}/db.sqlite3", "MAILBOX_PATH": str(missing / "mail")})
    assert app.name == "eventnet"
    assert not missing.exists()


def test_scans_per_minute_defaults_and_is_checked(tmp_path):
    assert load_config(str(tmp_path), {"EVENTNET_ENV": "development"})["SCANS_PER_MINUTE"] == 300
    config = load_config(str(tmp_path), {"EVENTNET_ENV": "development", "SCANS_PER_MINUTE": "1000"})
    assert config["SCANS_PER_MINUTE"] == 1000
    for bad in ("many", "0", "-5", "2.5"):
        with pytest.raises(ConfigError, match="SCANS_PER_MINUTE"):
            load_config(str(tmp_path), {"EVENTNET_ENV": "development", "SCANS_PER_MINUTE": bad})


@pytest.mark.parametrize("length", [16, 31])
def test_production_secret_key_needs_the_32_characters_the_message_asks_for(tmp_path, length):
    env = {"EVENTNET_ENV": "production", "SMTP_URL": "smtp://mail.example.org", "SECRET_KEY": "k" * length}
    with pytest.raises(ConfigError, match="at least 32 random characters"):
        load_config(str(tmp_path), env)
    env["SECRET_KEY"] = "k" * 32
    assert load_config(str(tmp_path), env)["SECRET_KEY"] == "k" * 32


PRODUCTION = {"EVENTNET_ENV": "production", "SECRET_KEY": "s" * 40, "SMTP_URL": "smtp://mail.example.org"}


def test_postgresql_waits_a_bounded_time_for_a_connection_a_statement_and_a_pooled_connection(tmp_path):
    config = load_config(str(tmp_path), {**PRODUCTION, "DATABASE_URL": "postgres://u:p@db.internal/eventnet"})
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["pool_timeout"] == 5
    assert options["connect_args"] == {
        "connect_timeout": 3,
        "options": "-c statement_timeout=5000",
        "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
        "tcp_user_timeout": 7000,
    }


def test_database_timeouts_are_settings(tmp_path):
    config = load_config(str(tmp_path), {
        **PRODUCTION, "DATABASE_URL": "postgresql://db/eventnet?options=-c%20search_path%3Dconf",
        "DATABASE_CONNECT_TIMEOUT": "10", "DATABASE_STATEMENT_TIMEOUT": "30", "DATABASE_POOL_TIMEOUT": "2"})
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_timeout"] == 2
    assert options["connect_args"]["connect_timeout"] == 10
    # The URL's own server options are kept beside ours.
    assert options["connect_args"]["options"] == "-c search_path=conf -c statement_timeout=30000"
    assert options["connect_args"]["tcp_user_timeout"] == 32000


@pytest.mark.parametrize(("name", "value"), [
    ("DATABASE_CONNECT_TIMEOUT", "1"), ("DATABASE_CONNECT_TIMEOUT", "2.5"), ("DATABASE_STATEMENT_TIMEOUT", "0"),
    ("DATABASE_STATEMENT_TIMEOUT", "soon"), ("DATABASE_POOL_TIMEOUT", "0"), ("DATABASE_POOL_TIMEOUT", "0.5"),
])
def test_database_timeouts_must_make_sense(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path), {**PRODUCTION, "DATABASE_URL": "postgres://db/eventnet", name: value})


def test_sqlite_waits_for_a_writers_lock_as_long_as_a_statement_may_run(tmp_path):
    config = load_config(str(tmp_path), {"EVENTNET_ENV": "development", "DATABASE_STATEMENT_TIMEOUT": "2"})
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_timeout": 5, "connect_args": {"timeout": 2.0}}
    memory = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "pool_timeout" not in memory.config["SQLALCHEMY_ENGINE_OPTIONS"]  # one connection, never waited for
    # A test's own database URL gets the options of its kind, not those of the environment's.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "DATABASE_STATEMENT_TIMEOUT": 1})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"] == "-c statement_timeout=1000"
