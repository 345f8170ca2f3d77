"""Alembic environment: runs on the connection that ``api.db.migrate`` hands over, or on
``FIELDPLAN_DATABASE_URL`` when invoked as ``alembic`` from the command line."""

from __future__ import annotations

from alembic import context

from api.db.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    from api.config import get_settings
    from api.db.engine import connect

    with connect(get_settings().database_url).begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
