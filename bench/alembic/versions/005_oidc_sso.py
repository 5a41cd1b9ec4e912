"""add SSO / OIDC columns to users table (SCHEMA.md 6.5)."""
import sqlalchemy as sa
from alembic import op

revision = "005_oidc_sso"
down_revision = "004_rbac_api_tokens"


def upgrade():
    op.add_column("users", sa.Column("sso_provider", sa.String(100), nullable=True))
    op.add_column("users", sa.Column("sso_subject_id", sa.String(255), nullable=True))
    op.create_index("ix_users_sso_lookup", "users", ["sso_provider", "sso_subject_id"])
    op.create_unique_constraint("uq_users_sso_identity", "users", ["sso_provider", "sso_subject_id"])
