"""add my_new_table

Revision ID: 006_my_new_table
Revises: 005_oidc_sso
Create Date: 2026-12-01

The same example with a foreign key to users that has neither ondelete nor index=True: what the checklist flags.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "006_my_new_table"
down_revision: Union[str, None] = "005_oidc_sso"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "my_new_table",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(), unique=True),
        sa.Column("name", sa.String()),
        sa.Column("created_on", sa.DateTime(), server_default=sa.text("now()")),
        sa.Column("user_public_id", sa.String(), sa.ForeignKey("users.public_id")),
    )


def downgrade() -> None:
    op.drop_table("my_new_table")
