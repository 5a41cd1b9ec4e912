"""add user roles and api_tokens table (SCHEMA.md 6.4), with its data migration."""
import sqlalchemy as sa
from alembic import op

revision = "004_rbac_api_tokens"
down_revision = "003_fk_ondelete"


def upgrade():
    op.add_column("users", sa.Column("role", sa.String(20), nullable=True))
    op.execute("UPDATE users SET role = CASE WHEN admin = TRUE THEN 'admin' ELSE 'viewer' END")
    op.alter_column("users", "role", nullable=False)
    op.alter_column("users", "role", server_default="viewer")
    op.drop_column("users", "admin")
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(100), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.create_index("ix_api_tokens_token_hash", "api_tokens", ["token_hash"], unique=True)
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
