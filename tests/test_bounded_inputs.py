"""Bounded inputs: every input of `autonomos map`, connector specs, API payloads, numbers on the
command line and service URLs has a limit (core.limits) and a one-line refusal naming the
input and the limit. The real CLI in a subprocess, a real local HTTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from autonomos_pipelines.aam.http.http_client import (
    RequestStats,
    RetryPolicy,
    Throttle,
    guarded_session,
)
from autonomos_pipelines.aam.http.payload_depth import ResponseTooDeep
from autonomos_pipelines.aam.http.rate_limit import limiter_for
from autonomos_pipelines.aam.specs.spec_loader import load_spec_file
from autonomos_pipelines.cli.main import app
from autonomos_pipelines.cli.map_cmd import write_atomically
from autonomos_pipelines.core.errors import ConfigError, SpecError
from autonomos_pipelines.core.json_depth import nests_deeper_than
from autonomos_pipelines.core.limits import MAX_FIELDS, MAX_LINE_BYTES, MAX_SPEC_BYTES
from autonomos_pipelines.core.settings import Settings
from autonomos_pipelines.dcl.mapping_batch import output_row

CLI = [sys.executable, "-m", "autonomos_pipelines.cli"]
# an address nothing listens on: the old code, which accepted the inputs below, then failed
# on the registry with a different message instead of hanging or loading a model
NO_DATABASE = "postgresql://x:pw@127.0.0.1:1/db"
FIELD = {"source_system": "s", "source_entity": "e", "field": "amount"}


@pytest.fixture
def cli(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The `autonomos` app in-process (a subprocess per case costs ~10 s of imports on a busy
    machine); the subprocess tests below show the same refusal from a real process."""
    monkeypatch.setenv("AUTONOMOS_HOME", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", NO_DATABASE)

    def invoke(args: list[str], **env: str) -> Outcome:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, args)
        crashed = result.exception and not isinstance(result.exception, SystemExit)
        return Outcome(
            result.exit_code, result.stderr + (repr(result.exception) if crashed else "")
        )

    return invoke


class Outcome(NamedTuple):
    returncode: int
    stderr: str


def run_cli(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess:
    variables = {**os.environ, "AUTONOMOS_HOME": str(home), "DATABASE_URL": NO_DATABASE, **env}
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=300, env=variables)


def one_error_line(result: Outcome | subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autonomos: error: "), result.stderr[-2000:]
    return lines[0]


def line(**changes: object) -> bytes:
    return (json.dumps({**FIELD, **changes}) + "\n").encode()


MAP_REFUSALS = {
    "long field name": (line(field="f" * 2000), "in.jsonl:1: 'field' is 2,000 characters"),
    "long description": (line(description="d" * 20_000), "'description' is 20,000 characters"),
    "long entity": (line(source_entity="e" * 1025), "'source_entity' is 1,025 characters"),
    "too many samples": (line(samples=list(range(21))), "'samples' has 21 values; the limit"),
    "long sample": (line(samples=["ok", "x" * 1025]), "'samples[1]' is 1,025 characters"),
    "long line": (
        line() + line(extra="x" * MAX_LINE_BYTES),
        "in.jsonl:2: line longer than 1,048,576 bytes",
    ),
    "not UTF-8": (line() + b'{"field": "caf\xe9"}\n', "in.jsonl:2: not UTF-8 (byte 0xe9"),
    "nested 100": (
        b'{"field": "a", "x": ' + b"[" * 100 + b"]" * 100 + b"}\n",
        "in.jsonl:1: JSON nested deeper than 64 levels",
    ),
    "nested 100,000": (b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested deeper than 64 levels"),
    "NaN": (line()[:-2] + b', "score": NaN}\n', "in.jsonl:1: NaN is not a JSON number"),
    "Infinity": (b'{"x": -Infinity}\n', "-Infinity is not a JSON number"),
    "too many fields": (
        b"".join(line(field=f"f{n}") for n in range(MAX_FIELDS + 1)),
        "in.jsonl:100001: more than 100,000 fields",
    ),
    # valid UTF-8 and valid JSON, but no character: no UTF-8 output could be written with it
    "lone surrogate": (
        line()[:-2] + b', "note": "x\\ud83d"}\n',
        "in.jsonl:1: 'note' holds \\ud83d, half of a UTF-16 pair: no",
    ),
    "surrogate in a sample": (line(samples=["ok", "\udc00"]), "'samples[1]' holds \\udc00"),
    "surrogate in a key": (b'{"k\\udc00": 1}\n', "'a key of the object' holds \\udc00"),
    "past a double": (line()[:-2] + b', "samples": [1e999]}\n', "1e999 is out of range"),
    "5,000 digits": (line()[:-2] + b', "n": ' + b"9" * 5000 + b"}\n", "of 5,000 digits"),
    "samples false": (line(samples=False), "in.jsonl:1: 'samples' must be a list"),
    "a field twice": (line() + line(), "in.jsonl:2: s.e.amount is given at line 1 too"),
    "tables by case": (line() + line(source_entity="E"), "'E' differs from 'e' (line 1) only"),
}


@pytest.mark.parametrize("case", MAP_REFUSALS, ids=list(MAP_REFUSALS))
def test_map_refuses_input_over_a_limit_in_one_line(cli, tmp_path, case):
    content, expected = MAP_REFUSALS[case]
    (tmp_path / "in.jsonl").write_bytes(content)
    out = tmp_path / "out.jsonl"
    result = cli(["map", "--input", str(tmp_path / "in.jsonl"), "--output", str(out)])
    assert expected in one_error_line(result)
    assert not out.exists()


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"\xff\xfe{}", "schema.json: not UTF-8 (byte 0xff at offset 0)"),
        (b'{"entities": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested deeper than 64 levels"),
        (b" " * (16 * 1024 * 1024 + 1), "larger than 16,777,216 bytes, the limit for --target"),
        (b'{"entities": [], "w": NaN}', "schema.json: NaN is not a JSON number"),
    ],
)
def test_map_refuses_a_bad_target_schema_in_one_line(cli, tmp_path, content, expected):
    (tmp_path / "in.jsonl").write_bytes(line())
    (tmp_path / "schema.json").write_bytes(content)
    args = ["map", "--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "o")]
    result = cli([*args, "--target-schema", str(tmp_path / "schema.json")])
    assert expected in one_error_line(result)


PEAK_RSS = """
import atexit, re, runpy, sys
rss_file = sys.argv[1]
# VmHWM, not getrusage: ru_maxrss survives exec and would count the forking pytest process
atexit.register(lambda: open(rss_file, "w").write(
    re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)))
sys.argv = ["autonomos", *sys.argv[2:]]
runpy.run_module("autonomos_pipelines.cli", run_name="__main__")
"""


def refusal_peak_kib(tmp_path: Path, field_name_bytes: int) -> tuple[int, float, str]:
    """(peak RSS in KiB, seconds, error line) of `autonomos map` refusing a field whose name
    is ``field_name_bytes`` long."""
    source, rss = tmp_path / "in.jsonl", tmp_path / "rss"
    with source.open("wb") as handle:
        handle.write(b'{"source_system": "s", "source_entity": "e", "field": "')
        for _ in range(field_name_bytes // 1024):
            handle.write(b"f" * 1024)
        handle.write(b'"}\n')
    args = ["map", "--input", str(source), "--output", str(tmp_path / "o.jsonl")]
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(rss), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "AUTONOMOS_HOME": str(tmp_path), "DATABASE_URL": NO_DATABASE},
    )
    return int(rss.read_text()), time.monotonic() - started, one_error_line(result)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_an_oversized_field_is_refused_streaming_with_bounded_memory(tmp_path):
    """A 32 MB field name costs no more memory than a 2 KB one: the reader never holds more
    than one line of at most MAX_LINE_BYTES (the old code held the whole line several times
    over, then spent minutes on it)."""
    small, _, error = refusal_peak_kib(tmp_path, 2 * 1024)
    assert "in.jsonl:1: 'field' is 2,048 characters" in error
    huge, seconds, error = refusal_peak_kib(tmp_path, 32 * 1024 * 1024)
    assert "in.jsonl:1: line longer than 1,048,576 bytes" in error
    assert huge - small < 8 * 1024, f"refusing 32 MB took {huge - small} KiB more"
    assert seconds < 60


def test_map_refuses_an_output_it_cannot_write_before_mapping(cli, tmp_path):
    """A directory, or a path under a file, is refused before any field is mapped (the
    database here is unreachable: mapping would fail otherwise), and nothing is left behind."""
    (tmp_path / "in.jsonl").write_bytes(line())
    folder, blocking = tmp_path / "out", tmp_path / "a_file"
    folder.mkdir()
    blocking.write_text("")
    result = cli(["map", "--input", str(tmp_path / "in.jsonl"), "--output", str(folder)])
    assert f"--output {folder}: is a directory" in one_error_line(result)
    out = blocking / "deeper" / "out.jsonl"
    result = cli(["map", "--input", str(tmp_path / "in.jsonl"), "--output", str(out)])
    assert f"--output {out}: cannot write in {blocking}" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "in.jsonl", "out"]
    assert list(folder.iterdir()) == []


def test_map_refuses_a_directory_as_input(cli, tmp_path):
    result = cli(["map", "--input", str(tmp_path), "--output", str(tmp_path / "o.jsonl")])
    assert f"--input {tmp_path}: is a directory" in one_error_line(result)


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    class Unwritable(str):  # stands for a disk that fills half-way through the file
        def __add__(self, other: str) -> str:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_atomically(tmp_path / "out.jsonl", ["{}", Unwritable()])
    assert list(tmp_path.iterdir()) == []
    # a short output fails only as the file closes, its buffer flushed to a full disk
    real_close = tempfile._TemporaryFileWrapper.close

    def full_disk(self) -> None:
        real_close(self)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile._TemporaryFileWrapper, "close", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomically(tmp_path / "out.jsonl", ["{}"])
    assert list(tmp_path.iterdir()) == []


def test_an_earlier_runs_output_mapped_again_keeps_none_of_its_decision():
    """Keys the output writes, given in the input (an earlier run's output mapped again), are
    this run's: an aggregate or a note this run does not write does not stay behind."""

    class Resolution:
        candidates: list = []
        mapping, confidence, method, status = None, 0.1, "rag", "unmapped"
        reason, table = "no candidate is convincing enough", None

    earlier = {"aggregate": {"table": "t"}, "note": "old", "status": "mapped", "mine": 1}
    row = output_row({**FIELD, **earlier}, Resolution(), 5)
    assert "aggregate" not in row and "note" not in row
    assert (row["status"], row["mine"], row["field"]) == ("unmapped", 1, "amount")


def test_map_output_never_carries_nan_or_infinity():
    class Candidate:
        target, confidence = "invoice.total", float("nan")

    class Resolution:
        candidates = [Candidate()]
        mapping, confidence, method, status = None, float("inf"), "rag", "unmapped"
        reason, table = "no candidate is convincing enough", None

    row = output_row(dict(FIELD), Resolution(), 5)
    text = json.dumps(row, allow_nan=False)  # raises on NaN/Infinity
    assert row["confidence"] is None and row["candidates"][0]["score"] is None
    assert "no finite number" in json.loads(text)["note"]


@pytest.mark.parametrize(
    "document, limit, deeper",
    [
        ("[[[]]]", 3, False),
        ("[[[]]]", 2, True),
        ('{"a": "[[[[[[[[[[", "b": "\\"[[[["}', 1, False),  # brackets inside strings
        ("[[1], [2], {}]", 2, False),
        ("[" * 65 + "]" * 65, 64, True),
        ("[" * 64 + "]" * 64, 64, False),
        ("[" * 100_000, 64, True),  # unclosed: the parser would recurse into it anyway
        ("]]]]]]]]]]", 2, False),  # malformed, shallow: the parser reports it
    ],
)
def test_nesting_depth(document, limit, deeper):
    assert nests_deeper_than(document, limit) is deeper


class _Nested(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        depth = int(self.path.split("?")[0].rsplit("/", 1)[1])
        body = b'{"data": ' + b"[" * depth + b"]" * depth + b"}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def test_an_api_payload_nested_too_deep_is_refused_naming_the_url():
    server = HTTPServer(("127.0.0.1", 0), _Nested)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    session = guarded_session(Throttle(limiter_for(None), "k"), RetryPolicy(), RequestStats())
    try:
        assert session.get(f"{base}/ok/3").json()["data"] == [[[]]]  # shallow: untouched
        with pytest.raises(ResponseTooDeep) as raised:
            session.get(f"{base}/deep/5000?api_token=secret-in-query")
        message = str(raised.value)
        assert f"response from {base}/deep/5000 is JSON nested deeper than 64" in message
        assert "secret-in-query" not in message
    finally:
        server.shutdown()


def test_a_spec_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b'{"name": "big", "pad": "' + b"x" * MAX_SPEC_BYTES + b'"}')
    with pytest.raises(SpecError, match=r"big.json: larger than 1,048,576 bytes"):
        load_spec_file(path)
    path.write_bytes(b'{"name": "big", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    with pytest.raises(SpecError, match=r"big.json: JSON nested deeper than 64 levels"):
        load_spec_file(path)
    path.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(SpecError, match=r"big.json: not UTF-8"):
        load_spec_file(path)


NUMBER_REFUSALS = [
    (["tenants", "usage", "--days", "100000000"], "--days 100000000: expected a whole number"),
    (["tenants", "usage", "--days", "0"], "--days 0: expected a whole number from 1 to 36,500"),
    (
        ["tenants", "quota", "demo", "api_calls_per_minute", "99999999999999999999999"],
        "quota value 99999999999999999999999: expected a whole number from 0 to 9,223,372,",
    ),
    (["tenants", "quota", "demo", "llm_calls_per_month", "--", "-1"], "quota value -1: expected"),
    (["review", "show", "9223372036854775808"], "mapping id 9223372036854775808: expected"),
    (["review", "approve", "1", "--", "-3"], "mapping id -3: expected a whole number from 1"),
    (["review", "reject", "0"], "mapping id 0: expected a whole number from 1"),
    (["drift", "show", "99999999999999999999"], "event id 99999999999999999999: expected"),
    (
        ["mappings", "rollback", "s.t.f", "--version", "2147483648"],
        "--version 2147483648: expected a whole number from 1 to 2,147,483,647",
    ),
    (["sandbox", "serve", "--port=-1"], "--port -1: expected a whole number from 0 to 65,535"),
    (["map", "--input", "x", "--output", "y", "--top-k", "0"], "--top-k 0: expected"),
]


@pytest.mark.parametrize(
    "args, expected", NUMBER_REFUSALS, ids=[" ".join(a) for a, _ in NUMBER_REFUSALS]
)
def test_numbers_on_the_command_line_are_range_checked(cli, args, expected):
    assert expected in one_error_line(cli(args))


def test_a_day_count_past_the_calendar_is_one_line_from_a_real_process(env):
    """With a live registry: the old code got as far as the date arithmetic and overflowed."""
    args = ["tenants", "usage", "--days", "100000000"]
    result = run_cli(args, env.home, DATABASE_URL=env.database_url)
    assert "--days 100000000: expected a whole number from 1 to 36,500" in one_error_line(result)


URL_REFUSALS = [
    ("DATABASE_URL", "postgresql://app:pw@db:abc/x", "DATABASE_URL=postgresql://app:***@db:abc/x"),
    ("DATABASE_URL", "postgresql://app:pw@db:99999/x", "DATABASE_URL=postgresql://app:***@db"),
    ("WAREHOUSE_URL", "postgresql://w:pw@[::1/x", "WAREHOUSE_URL=(a URL that cannot be parsed)"),
    ("REDIS_URL", "redis://:pw@cache:port/0", "REDIS_URL=redis://***@cache:port/0"),
]


@pytest.mark.parametrize("variable, url, expected", URL_REFUSALS)
def test_a_malformed_service_url_is_one_line_naming_the_variable(cli, variable, url, expected):
    with pytest.raises(ConfigError) as raised:
        Settings.from_values({variable: url})
    assert str(raised.value).startswith(expected) and "pw" not in str(raised.value)
    error = one_error_line(cli(["tenants", "list"], **{variable: url}))
    assert expected in error and "pw" not in error


def test_a_database_url_with_a_bad_port_is_one_line_from_a_real_process(tmp_path):
    result = run_cli(["tenants", "list"], tmp_path, DATABASE_URL="postgresql://a:pw@db:abc/x")
    assert "DATABASE_URL=postgresql://a:***@db:abc/x: not a URL" in one_error_line(result)


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "10000000"])
def test_numeric_settings_are_finite_and_bounded(value):
    with pytest.raises(ConfigError, match="AUTONOMOS_MAX_RESPONSE_MB=.*expected a number above 0"):
        Settings.from_values({"AUTONOMOS_MAX_RESPONSE_MB": value})
