"""add ondelete to foreign keys and make firmware_updates.user_public_id nullable (SCHEMA.md 6.3): each foreign key is
looked up by its columns, dropped, and added again with ON DELETE, validated as it is added."""
import sqlalchemy as sa
from alembic import op

revision = "003_fk_ondelete"
down_revision = "002_plugin_packages"

FOREIGN_KEYS = [
    ("events", "user_public_id", "users", "public_id", "CASCADE"),
    ("experiments", "user_public_id", "users", "public_id", "CASCADE"),
    ("datapoints", "event_public_id", "events", "public_id", "CASCADE"),
    ("datapoints", "experiment_public_id", "experiments", "public_id", "SET NULL"),
    ("log_entries", "user_public_id", "users", "public_id", "CASCADE"),
    ("webhooks", "user_public_id", "users", "public_id", "CASCADE"),
    ("webhook_deliveries", "webhook_id", "webhooks", "id", "CASCADE"),
    ("rules", "event_public_id", "events", "public_id", "CASCADE"),
    ("rules", "user_public_id", "users", "public_id", "CASCADE"),
    ("firmware_updates", "user_public_id", "users", "public_id", "SET NULL"),
    ("dashboards", "user_public_id", "users", "public_id", "CASCADE"),
    ("dashboard_widgets", "dashboard_id", "dashboards", "id", "CASCADE"),
    ("dashboard_widgets", "event_public_id", "events", "public_id", "SET NULL"),
    ("plugin_instances", "user_public_id", "users", "public_id", "CASCADE"),
    ("channel_mappings", "plugin_instance_id", "plugin_instances", "id", "CASCADE"),
    ("channel_mappings", "event_public_id", "events", "public_id", "SET NULL"),
    ("plugin_packages", "user_public_id", "users", "public_id", "SET NULL"),
]


def _find_fk_name(table, columns):
    for fk in sa.inspect(op.get_bind()).get_foreign_keys(table):
        if fk["constrained_columns"] == columns:
            return fk["name"]
    return None


def upgrade():
    op.alter_column("firmware_updates", "user_public_id", nullable=True)
    for table, column, referenced, referenced_column, ondelete in FOREIGN_KEYS:
        found = _find_fk_name(table, [column])
        if found:
            op.drop_constraint(found, table, type_="foreignkey")
        op.create_foreign_key(f"fk_{table}_{column}", table, referenced, [column], [referenced_column], ondelete=ondelete)
