"""Redaction of secrets from recorded text, and the HTTP layer that lets none out: the one
redaction function (whole values, 6-character fragments, provider-style masked echoes), and a
real dlt load over the guarded session whose pickled trace keeps no key after the source was
unreachable or refused it."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import dlt
import pytest
from dlt.common.utils import get_exception_trace_chain

from autonomos_pipelines.aam.adapters.factory import build_source
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.connections.secrets import Secret
from autonomos_pipelines.aam.http.http_client import RetryPolicy
from autonomos_pipelines.aam.http.session import http_runtime
from autonomos_pipelines.aam.specs.spec_loader import default_specs
from autonomos_pipelines.core.private_files import private_dir, restrict_umask
from autonomos_pipelines.core.redaction import Redactor, redact
from autonomos_pipelines.core.tenant_id import TenantId

KEY = "Zq3vLx8RmT1wKp6NcY2bHs9d"  # a made-up credential


def test_a_secret_goes_whole_url_encoded_and_in_every_6_character_fragment():
    assert (
        redact(f"GET /deals?api_token={KEY}&start=0", [KEY]) == "GET /deals?api_token=***&start=0"
    )
    assert KEY[3:11] not in redact(f"the key ...{KEY[3:11]}... was refused", [KEY])
    assert redact(f"echo {KEY[7:13]} here", [KEY]) == "echo *** here"
    spaced = "a b/c+d=e&f g h"
    assert redact("token=a%20b%2Fc%2Bd%3De%26f%20g%20h", [spaced]) == "token=***"
    # below the threshold: 5 characters of a secret are too few to matter, and kept
    assert redact(f"id {KEY[7:12]} ok", [KEY]) == f"id {KEY[7:12]} ok"


@pytest.mark.parametrize(
    ("key", "echo"),
    [
        ("sk_test_AbCdEf", "Invalid API Key provided: sk_test_****CdEf"),  # 12 of 14 shown
        (f"sk_live_{KEY}", f"Invalid API Key provided: sk_live_********************{KEY[-4:]}"),
        (KEY, f'{{"error": "key {KEY[:4]}…{KEY[-4:]} is invalid"}}'),
        (KEY, f"token xxxxxxxxxxxx{KEY[-3:]} revoked"),
        (KEY, f"key {KEY[:3]}...{KEY[-3:]}."),
    ],
)
def test_a_masked_echo_of_a_key_is_removed_as_a_whole(key, echo):
    redacted = redact(echo, [key])
    assert key[-3:] not in redacted and "***" in redacted, redacted


def test_text_without_secrets_is_left_alone():
    text = "Retrying... GET http://127.0.0.1:8765/v1/charges answered 401: ****"
    assert redact(text, [KEY, "sk_test_AbCdEf"]) == text
    assert redact("user ab is in the table abc", ["ab"]) == "user *** is in the table abc"


def test_a_database_url_loses_its_password_and_keeps_its_host():
    url = f"postgresql://loader:{KEY}@db.internal:5432/billing"
    said = f'connection to "db.internal", port 5432 for loader failed (password {KEY}); {url}'
    redacted = redact(said, [url])
    assert KEY[:6] not in redacted and url not in redacted
    assert '"db.internal", port 5432 for loader' in redacted


def test_a_redactor_learns_a_rotated_token():
    redactor = Redactor([KEY])
    rotated = "5Rr0tat3dT0kenVa1ue"
    redactor.protect([rotated])
    assert redactor.redact(f"{KEY} {rotated}") == "*** ***"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pipedrive(base_url: str) -> tuple:  # type: ignore[type-arg]
    """The pipedrive spec (API key in the query string) without its body check, so that a
    refusal reaches dlt's own HTTP error; a connection holding KEY; a fast-failing session."""
    spec = default_specs()["pipedrive"]
    spec = spec.model_copy(
        update={"client": spec.client.model_copy(update={"response_check": None})}
    )
    connection = Connection(
        TenantId("acme"), "pipedrive", base_url, base_url, secrets={"api_token": Secret(KEY)}
    )
    policy = RetryPolicy(max_attempts=2, base_delay=0.0, timeout=5)
    return spec, connection, http_runtime(spec, TenantId("acme"), policy=policy)


def failed_load_trace(tmp_path: Path, spec, connection, runtime) -> bytes:  # type: ignore[no-untyped-def]
    """Run a real dlt pipeline that fails; the bytes of the trace dlt pickled."""
    pipeline = dlt.pipeline(
        pipeline_name="acme__pipedrive",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    with pytest.raises(Exception) as failed:
        pipeline.run(build_source(spec, connection, runtime))
    chain = get_exception_trace_chain(failed.value)
    assert all(KEY not in trace["message"] for trace in chain), chain
    return (tmp_path / "pipelines" / "acme__pipedrive" / "trace.pickle").read_bytes()


def test_an_unreachable_source_leaves_no_key_in_dlts_trace(tmp_path):
    spec, connection, runtime = pipedrive(f"http://127.0.0.1:{closed_port()}/v1/")
    trace = failed_load_trace(tmp_path, spec, connection, runtime)
    assert b"cannot reach http://127.0.0.1:" in trace
    assert KEY[:6].encode() not in trace and KEY[-6:].encode() not in trace


def test_a_refused_key_in_the_query_stays_out_of_dlts_http_error(tmp_path, sandbox):
    spec, connection, runtime = pipedrive(sandbox.url + "/pipedrive/v1/")
    trace = failed_load_trace(tmp_path, spec, connection, runtime)
    assert b"401 Client Error" in trace and b"api_token=***" in trace
    assert KEY[:6].encode() not in trace and KEY[-6:].encode() not in trace


def test_unreachable_names_the_url_without_query_and_chains_nothing():
    from autonomos_pipelines.aam.http.errors import SourceUnreachable

    spec, connection, runtime = pipedrive(f"http://127.0.0.1:{closed_port()}/v1/")
    runtime.redactor.protect(connection.secret_values())
    with pytest.raises(SourceUnreachable) as raised:
        runtime.session.get(connection.base_url + f"deals?api_token={KEY}")
    error = raised.value
    assert error.__cause__ is None and error.__context__ is None
    assert "/v1/deals after 2 attempts" in str(error) and "refused" in str(error).lower()
    assert KEY not in str(error) and runtime.stats.network_errors == 2


def test_private_dirs_and_umask_keep_what_dlt_writes_to_its_owner(tmp_path):
    old = os.umask(0o022)
    try:
        wide = tmp_path / "pipelines"
        wide.mkdir(mode=0o755)
        wide.chmod(0o755)
        private_dir(wide)
        restrict_umask()
        (wide / "trace.pickle").write_bytes(b"x")
        assert stat.S_IMODE(wide.stat().st_mode) == 0o700
        assert stat.S_IMODE((wide / "trace.pickle").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_oauth_errors_keep_the_flow_and_lose_the_client_id(sandbox):
    from autonomos_pipelines.aam.http.oauth import OAuthClient
    from autonomos_pipelines.core.errors import SourceError

    _, _, runtime = pipedrive(sandbox.url)
    token_url = sandbox.url + "/dynamics365/autonomos-demo.onmicrosoft.com/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": KEY, "client_secret": KEY[::-1]}
    with pytest.raises(SourceError) as raised:
        OAuthClient(runtime.session, token_url, form, "dynamics365").token()
    message = str(raised.value)
    assert "Invalid client secret provided" in message  # the provider's words stay readable
    assert KEY[:6] not in message and KEY[-6:] not in message
