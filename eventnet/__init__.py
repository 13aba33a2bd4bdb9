"""eventnet: a networking companion for conferences and events."""
from __future__ import annotations

import os

from flask import Flask

from . import database  # noqa: F401  (registers the SQLite pragmas listener)
from .config import load_config
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

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx_extension.init_app(app)

    from . import errors, security, templating
    from . import models  # noqa: F401  (every model known to Alembic and the mapper)

    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)

    # Feature packages keep their __init__ empty so that importing a model never drags in views.
    from .attendees.views import bp as attendees_bp
    from .auth.views import bp as auth_bp
    from .badges.views import bp as badges_bp
    from .events.views import bp as events_bp
    from .mail.views import bp as mail_bp
    from .organizer.views import bp as organizer_bp

    for blueprint in (events_bp, auth_bp, attendees_bp, badges_bp, mail_bp, organizer_bp):
        app.register_blueprint(blueprint)
    if app.config["MAILBOX_ENABLED"]:
        from .mail.mailbox_views import bp as mailbox_bp

        app.register_blueprint(mailbox_bp)
    return app
