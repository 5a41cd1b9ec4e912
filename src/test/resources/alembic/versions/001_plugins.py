"""add plugin_instances and channel_mappings tables

Revision ID: 001_plugins
Revises: 
Create Date: 2025-01-01

WebMACS's own revision, reduced to its place in the chain: importing a later revision reads only the ids.
"""
from typing import Sequence, Union

revision: str = "001_plugins"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
