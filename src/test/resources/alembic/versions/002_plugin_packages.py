"""add plugin_packages table

Revision ID: 002_plugin_packages
Revises: 001_plugins
Create Date: 2026-02-14

WebMACS's own revision, reduced to its place in the chain: importing a later revision reads only the ids.
"""
from typing import Sequence, Union

revision: str = "002_plugin_packages"
down_revision: Union[str, None] = "001_plugins"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
