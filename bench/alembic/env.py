"""As WebMACS's env.py: one connection, context.configure once, no transaction_per_migration, so one upgrade is one
PostgreSQL transaction. The URL is DATABASE_URL (postgresql://...), synchronous psycopg2 instead of WebMACS's asyncpg."""
import os

from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
