import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

from app.core.search import include_in_autogenerate

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    try:
        # this works with Flask-SQLAlchemy<3 and Alchemical
        return current_app.extensions['migrate'].db.get_engine()
    except (TypeError, AttributeError):
        # this works with Flask-SQLAlchemy>=3
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
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    # Our models (and Flask-AppBuilder's security tables) live in FAB's own metadata,
    # not in Flask-SQLAlchemy's: see app/models.py.
    from app.models import metadata

    return metadata


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

    with connectable.connect() as connection:
        # SQLite batch migrations rebuild a table (copy, drop the old one, rename). With foreign
        # keys on, dropping the old table cascade-deletes every row that refers to it (a user's
        # role grants, a case's petitioners). Off for the migration — set on the raw connection
        # before any transaction, where SQLite honours it — and back on afterwards.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                # The keyword-search tables and indexes live outside the models.
                include_name=include_in_autogenerate,
                **conf_args
            )

            with context.begin_transaction():
                before = context.get_context().get_current_heads()
                context.run_migrations()
                ran = context.get_context().get_current_heads() != before
                # Keyword-search indexes live outside the models (FTS5 / pg_trgm); a table
                # rebuild by an earlier step may have dropped their triggers: put them back.
                from app.core.search import repair_text_search_triggers

                repair_text_search_triggers(connection)
                # The monthly case figures' triggers likewise (and they follow the figures'
                # definitions: a changed definition reinstalls them and recounts the table).
                from app.reports.rollup import ensure_case_rollup

                ensure_case_rollup(connection)
                # The reference version's triggers (process caches of permissions, org choices,
                # the deadline policy): a table rebuild drops them too.
                from app.core.refcache import ensure_reference_triggers

                ensure_reference_triggers(connection)
                if sqlite:
                    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise RuntimeError(f"migration left broken foreign keys: {problems[:10]}")
                    if ran:
                        # New indexes are unknown to SQLite's planner until analysed (it may then
                        # prefer a worse one); PostgreSQL's autovacuum analyses by itself.
                        connection.exec_driver_sql("ANALYZE")
            # SQLite's DDL is not transactional for Alembic, so begin_transaction() above commits
            # nothing: what ran after the migrations (triggers, ANALYZE) is committed here.
            if connection.in_transaction():
                connection.commit()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
