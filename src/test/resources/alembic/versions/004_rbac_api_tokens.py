"""add user roles and api_tokens table

Revision ID: 004_rbac_api_tokens
Revises: 003_fk_ondelete
Create Date: 2026-02-17

WebMACS's own revision, reduced to its place in the chain: importing a later revision reads only the ids.
"""
from typing import Sequence, Union

revision: str = "004_rbac_api_tokens"
down_revision: Union[str, None] = "003_fk_ondelete"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
