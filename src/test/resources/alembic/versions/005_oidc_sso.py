"""add SSO / OIDC columns to users table

Revision ID: 005_oidc_sso
Revises: 004_rbac_api_tokens
Create Date: 2026-02-17

WebMACS's own revision, reduced to its place in the chain: importing a later revision reads only the ids.
"""
from typing import Sequence, Union

revision: str = "005_oidc_sso"
down_revision: Union[str, None] = "004_rbac_api_tokens"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
