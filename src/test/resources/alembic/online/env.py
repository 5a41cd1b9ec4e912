# Alembic's online mode, as WebMACS runs `alembic upgrade head`, against the URL given with -x url=...
from alembic import context
from sqlalchemy import create_engine

url = context.get_x_argument(as_dictionary=True)["url"]
with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
