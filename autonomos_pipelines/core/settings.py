"""Where everything lives: environment variables with project-local embedded defaults.

| variable        | default (no setup)                                   |
|-----------------|------------------------------------------------------|
| AUTONOMOS_HOME  | ./.autonomos (project-local data directory)           |
| DATABASE_URL    | PostgreSQL + pgvector from the pgserver wheel         |
| WAREHOUSE_URL   | one DuckDB file per tenant under AUTONOMOS_HOME       |
| REDIS_URL       | in-process cache                                      |
| DAGSTER_HOME    | AUTONOMOS_HOME/dagster_home                           |
| AUTONOMOS_SANDBOX_URL | http://127.0.0.1:8765 (local sandbox APIs)      |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autonomos_pipelines.core.errors import ConfigError

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str | None
    warehouse_url: str | None
    redis_url: str | None
    dagster_home: Path
    sandbox_url: str

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(_env("AUTONOMOS_HOME") or Path.cwd() / ".autonomos").resolve()
        warehouse_url = _env("WAREHOUSE_URL")
        if warehouse_url and not warehouse_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"WAREHOUSE_URL must be a postgresql:// URL (got scheme "
                f"{warehouse_url.split(':', 1)[0]!r}); unset it to use DuckDB files per tenant"
            )
        database_url = _env("DATABASE_URL")
        if database_url and not database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("DATABASE_URL must be a postgresql:// URL")
        redis_url = _env("REDIS_URL")
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return cls(
            home=home,
            database_url=database_url,
            warehouse_url=warehouse_url,
            redis_url=redis_url,
            dagster_home=Path(_env("DAGSTER_HOME") or home / "dagster_home").resolve(),
            sandbox_url=(_env("AUTONOMOS_SANDBOX_URL") or DEFAULT_SANDBOX_URL).rstrip("/"),
        )

    @property
    def pg_datadir(self) -> Path:
        return self.home / "pgdata"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def dlt_pipelines_dir(self) -> Path:
        return self.home / "dlt_pipelines"

    @property
    def files_dir(self) -> Path:
        """Root of per-tenant file drops for file connectors (demo files are generated here)."""
        return self.home / "files"

    @property
    def locks_dir(self) -> Path:
        return self.home / "locks"


def get_settings() -> Settings:
    return Settings.from_env()
