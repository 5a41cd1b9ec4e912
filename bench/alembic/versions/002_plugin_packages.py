"""add plugin_packages table. Only a link of the chain here: the benchmark's database is at 002."""
revision = "002_plugin_packages"
down_revision = "001_plugins"


def upgrade():
    raise NotImplementedError("bench/online-upgrade.sh starts at 002_plugin_packages")
