"""Alembic environment: always run on a connection handed in by
placement_min.storage.migration, never from an alembic.ini URL."""

from alembic import context

from placement_min.storage import tables

connection = context.config.attributes['connection']
context.configure(connection=connection,
                  target_metadata=tables.metadata,
                  render_as_batch=connection.dialect.name == 'sqlite')
with context.begin_transaction():
    context.run_migrations()
