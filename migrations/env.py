import logging
import os
from logging.config import fileConfig

from flask import current_app

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep the app's loggers: the default would silence every logger that exists already, e.g.
# eventnet's own after the test fixtures migrate in-process.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())

# The default SQLite database lives under instance/, which a fresh clone does not have yet.
if get_engine().url.get_backend_name() == "sqlite" and get_engine().url.database:
    os.makedirs(os.path.dirname(os.path.abspath(get_engine().url.database)), exist_ok=True)
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def render_item(type_, obj, autogen_context):
    """Render our column types as plain SQLAlchemy types so migrations never import the app."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()
    if connectable.dialect.name == "postgresql":
        # The app's engine stops any statement after DATABASE_STATEMENT_TIMEOUT and gives up on
        # a server silent for a few seconds (eventnet.config.engine_options). An index built or
        # a table rewritten by a migration may take minutes on a large database, and the release
        # step runs alone: migrations get a plain engine of the same URL, whose connection is
        # closed afterwards, never pooled for a request.
        connectable = create_engine(connectable.url, poolclass=NullPool)

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by building a new one and dropping the old: with foreign
            # keys on (eventnet turns them on for every connection), dropping attendees would
            # cascade and delete every connection, scan and token. Off for the migration (a
            # PRAGMA outside any transaction), and the keys are checked before committing.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # ends SQLAlchemy's implicit transaction, so Alembic's own commits
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            render_item=render_item,
        **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
