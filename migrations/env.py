import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


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

    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            _run_on_sqlite(connection, conf_args)
            return
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()


class ForeignKeyViolations(RuntimeError):
    pass


def _run_on_sqlite(connection, conf_args):
    """SQLite cannot alter most of a table, so Alembic's batch mode rebuilds it: copy, DROP TABLE,
    rename. contest/extensions.py turns foreign keys on for every connection, and with them on the
    DROP TABLE deletes every row first, firing ON DELETE CASCADE / SET NULL in the tables that refer
    to it (or failing on those that do not cascade). So foreign keys go off for the upgrade, as
    SQLite's documentation prescribes for such changes; the whole upgrade is then one transaction
    that commits only if `PRAGMA foreign_key_check` finds nothing, and foreign keys come back on.

    PRAGMA foreign_keys does nothing inside a transaction, and extensions.py emits BEGIN itself on
    SQLAlchemy's first statement: hence the driver's own connection, before anything else runs."""
    driver = connection.connection.driver_connection
    _set_foreign_keys(driver, False)
    try:
        # SQLite's DDL is transactional (extensions.py emits BEGIN itself): one transaction for
        # the whole upgrade, so a failing migration or check leaves the database as it was.
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            transactional_ddl=True,
            **conf_args
        )
        with context.begin_transaction():
            context.run_migrations()
            violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if violations:
                listed = "; ".join(f"{table} rowid {rowid} -> {parent}" for table, rowid, parent, _ in violations[:20])
                raise ForeignKeyViolations(
                    f"The upgrade would leave {len(violations)} row(s) referring to rows that do not exist "
                    f"({listed}); nothing was changed."
                )
    finally:
        if connection.in_transaction():
            connection.rollback()
        _set_foreign_keys(driver, True)


def _set_foreign_keys(driver, on: bool):
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if driver.execute("PRAGMA foreign_keys").fetchone()[0] != int(on):
        raise RuntimeError(f"SQLite refused PRAGMA foreign_keys={'ON' if on else 'OFF'} (inside a transaction?)")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
