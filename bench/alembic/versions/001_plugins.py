"""add plugin_instances and channel_mappings tables. Only a link of the chain here: the benchmark's database is at 002."""
revision = "001_plugins"
down_revision = None


def upgrade():
    raise NotImplementedError("bench/online-upgrade.sh starts at 002_plugin_packages")
