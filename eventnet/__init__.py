"""eventnet: a networking companion for conferences and events."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import database  # noqa: F401  (registers the SQLite pragmas listener)
from .config import engine_options, load_config
from .extensions import csrf, db, migrate
from .extensions import htmx as htmx_extension  # eventnet.htmx is our helper module


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints. No I/O happens here."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
        if "SQLALCHEMY_ENGINE_OPTIONS" not in test_config:
            # The engine's options fit its database (and the DATABASE_* timeouts): a test's
            # own database URL gets the options a deployment with that URL would.
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # The client's address and scheme as the trusted proxies saw them. The host is not taken
        # from X-Forwarded-Host (a proxy passes client headers on): the proxy sets Host itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0)

    from . import static_files

    # /static/ is answered by WhiteNoise before any of the app's hooks run (compressed, with
    # ETags; immutable where the URL is versioned). It indexes the folder once, here.
    static_files.init_app(app)

    from . import guards

    # First of all: ids past the database's integers match no route, and NUL characters and
    # over-deep JSON are refused before any other hook (CSRF, rate limits) reads the request.
    app.url_map.converters["int"] = guards.IdConverter
    guards.init_app(app)

    db.init_app(app)
    from . import database_health

    database_health.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx_extension.init_app(app)

    from . import ratelimit

    ratelimit.init_app(app)

    from . import errors, security, templating
    from .i18n import hooks as i18n
    from . import models  # noqa: F401  (every model known to Alembic and the mapper)

    security.init_app(app)
    templating.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)

    register_features(app)
    ratelimit.check_in_views_only(app)
    from .i18n.cli import localize

    localize(app.cli)  # every command in the environment's language (LANG...), its help too
    return app


def register_features(app: Flask) -> None:
    """One blueprint per feature, and the command-line groups that have no blueprint."""
    # Feature packages keep their __init__ empty so that importing a model never drags in views.
    from .attendees.cli import cli as attendees_cli
    from .attendees.importer.views import bp as csv_import_bp  # the organizer's CSV import
    from .attendees.views import bp as attendees_bp  # profiles
    from .auth.views import bp as auth_bp  # magic-link login
    from .badges.organizer_views import bp as badge_printing_bp  # the organizer's badge printing
    from .badges.views import bp as badges_bp  # badge URLs, QR images, public cards, vCards
    from .branding.views import bp as branding_bp  # the event's look: accent, logo, theme stylesheet
    from .connections.views import bp as connections_bp  # exchange, scan API, contact and note
    from .contacts.views import bp as contacts_bp  # contact book and exports
    from .demo.cli import cli as demo_cli
    from .digests.organizer_views import bp as digest_control_bp  # the organizer's digest control
    from .digests.views import bp as digests_bp  # digest, reminders, unsubscribe, signed links
    from .events import cli as events_cli  # noqa: F401  (gives the events group its commands first)
    from .events.views import bp as events_bp  # start page, event home
    from .digests.cli import cli as digests_cli
    from .mail.cli import cli as mail_cli
    from .followthrough.views import bp as followthrough_bp  # My follow-ups
    from .meet.views import bp as meet_bp  # people to meet: suggestions, the choice, "not for me"
    from .introductions.views import bp as introductions_bp  # introductions with double opt-in
    from .i18n.views import bp as i18n_bp  # choosing a language: the attendee's setting, the switcher
    from .mydata.views import bp as mydata_bp  # download everything, delete the account
    from .mycard.views import bp as mycard_bp  # my card, per person: who has it, take it back, expiry
    from .organizer.admin import cli as admin_cli
    from .organizer.admin_views import bp as admin_bp  # administrators: events and organizers
    from .badges.cli import cli as badges_cli
    from .organizer.views import bp as organizer_bp  # the organizer's console
    from .photos.views import bp as photos_bp  # profile photos, by their unguessable keys
    from .promises.views import bp as promises_bp  # promises: My promises, done, signed done links
    from .scanner.views import bp as scanner_bp  # in-app scanner, offline queue, service worker

    for blueprint in (
        events_bp, auth_bp, attendees_bp, badges_bp, connections_bp, contacts_bp, mydata_bp,
        scanner_bp, digests_bp, organizer_bp, admin_bp, photos_bp, branding_bp, meet_bp, promises_bp,
        followthrough_bp, introductions_bp, mycard_bp, i18n_bp,
        # the features' own organizer screens, inside the console's paths
        digest_control_bp, badge_printing_bp, csv_import_bp,
    ):
        app.register_blueprint(blueprint)
    # The development mailbox shows what the Maildir sender wrote; with SMTP nothing goes there.
    if app.config["MAILBOX_ENABLED"] and not app.config["SMTP_URL"]:
        from .mail.mailbox_views import bp as mailbox_bp

        app.register_blueprint(mailbox_bp)
    for group in (attendees_cli, demo_cli, admin_cli, badges_cli, digests_cli, mail_cli):
        app.cli.add_command(group)
