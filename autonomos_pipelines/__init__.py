"""autonomos-pipelines: declarative, tenant-partitioned data pipelines on Dagster."""

__version__ = "0.1.0"
