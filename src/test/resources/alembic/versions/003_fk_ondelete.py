"""add ondelete to foreign keys and make firmware_updates.user_public_id nullable

Revision ID: 003_fk_ondelete
Revises: 002_plugin_packages
Create Date: 2026-02-16

WebMACS's own revision, reduced to its place in the chain: importing a later revision reads only the ids.
"""
from typing import Sequence, Union

revision: str = "003_fk_ondelete"
down_revision: Union[str, None] = "002_plugin_packages"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
