"""Connector spec validation: valid and invalid specs with the exact error they must give."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from autonomos_pipelines.aam.specs.spec_loader import (
    load_spec_file,
    load_specs,
    parse_spec,
    specs_dir,
)
from autonomos_pipelines.aam.specs.spec_model import GenericRestSpec
from autonomos_pipelines.cli.connectors_cmd import schema_text
from autonomos_pipelines.core.errors import SpecError

STRIPE = json.loads((specs_dir() / "stripe.json").read_text())


def variant(change) -> dict:
    spec = copy.deepcopy(STRIPE)
    change(spec)
    return spec


def _drop_paginators(spec: dict) -> None:
    del spec["client"]["paginator"]


def _bad_auth(spec: dict) -> None:
    spec["client"]["auth"] = {"type": "bearer", "token": "sk_test_inline_secret"}


INVALID = [
    (lambda s: _drop_paginators(s), "resources[0] (customers): no paginator"),
    (lambda s: s.pop("resources"), "$.resources: Field required"),
    (lambda s: s.update(kind="graphql"), "$.kind: not one of the known values ('generic_rest'"),
    (lambda s: s.update(kind="x" * 100_000), "$.kind: not one of the known values"),  # not echoed
    (lambda s: s.update(name="Bad Name"), "$.name: String should match pattern"),
    (
        lambda s: s["client"].update(base_url="ftp://x"),
        "$.client.base_url: 'ftp://x': only http:// and https:// URLs are allowed",
    ),
    (_bad_auth, "$.client.auth.token: Input should be a valid dictionary or instance of SecretRef"),
    (
        lambda s: s["resources"][1]["endpoint"].update(paginator={"type": "cursor"}),
        "$.resources[1].endpoint.paginator.cursor_path: Field required",
    ),
    (lambda s: s.update(entities=["customer"]), "$.entities[0]: Input should be 'account'"),
    (
        lambda s: s["resources"].append(copy.deepcopy(s["resources"][0])),
        "resource names must be unique",
    ),
    (lambda s: s.update(unknown_key=1), "$.unknown_key: Extra inputs are not permitted"),
    (
        lambda s: s["resources"][0].update(derived_fields={"first": "lines[?(@.x == "}),
        "derived field 'first': 'lines[?(@.x == ' is not a JSONPath",
    ),
    (
        lambda s: s["resources"][0].update(derived_fields={"first": []}),
        "derived field 'first' has no JSONPath",
    ),
    # accepted once, then dlt or jsonpath-ng failed when the source was built (a helper's probe)
    (
        lambda s: s["client"].update(
            paginator={"type": "cursor", "cursor_path": "data[-1", "cursor_param": "after"}
        ),
        "$.client.paginator.cursor_path: 'data[-1' is not a JSONPath",
    ),
    (
        lambda s: s["resources"][0]["endpoint"].update(data_selector=" "),
        "$.resources[0].endpoint.data_selector: ' ' is not a JSONPath",
    ),
    (
        lambda s: s["client"].update(
            paginator={"type": "offset", "limit": 5, "limit_body_path": "limit"}
        ),
        "$.client.paginator: offset_body_path and limit_body_path go together",
    ),
    (
        lambda s: s["resources"][0].update(record_hook="ga4_report_rows"),
        "$.resources[0]: record_hook ga4_report_rows needs endpoint.json.dimensions",
    ),
    (
        lambda s: s["client"].update(
            paginator={"type": "cursor", "cursor_path": "data", "cursor_param": ""}
        ),
        "$.client.paginator.cursor_param: String should have at least 1 character",
    ),
    (
        lambda s: s["client"].setdefault("headers", {}).update({"X-A\r\nCookie": "x"}),
        "$.client.headers.X-A\r\nCookie.[key]: String should match pattern",
    ),
    (
        lambda s: s["client"].update(paginator={"type": "offset", "limit": "100"}),
        "$.client.paginator.limit: Input should be a valid integer",
    ),
]


def _endpoint(spec: dict, **change) -> None:
    spec["resources"][0]["endpoint"].update(change)


def _params(spec: dict, **change) -> None:
    spec["resources"][0]["endpoint"]["params"].update(change)


METADATA = "link-local, unspecified and cloud metadata addresses are not allowed"
PATH_AT = "$.resources[0].endpoint.path: "
PARAMS_AT = "$.resources[0].endpoint.params: "
CREDENTIAL = 'a credential-like name takes a {"secret": NAME} reference, not a literal value'
# issue 16, item 3: specs that can reach anywhere or hold secrets
REACH = [
    (
        lambda s: _endpoint(s, path="http://169.254.169.254/latest/meta-data/"),
        PATH_AT + "'http://169.254.169.254/latest/meta-data/': an absolute URL; give a path",
    ),
    (lambda s: _endpoint(s, path="//evil.example/x"), PATH_AT + "'//evil.example/x': an absolute"),
    (lambda s: _endpoint(s, path="ftp://files.example/x"), PATH_AT + "'ftp://files.example/x'"),
    (lambda s: _endpoint(s, path="../../admin"), PATH_AT + "'../../admin': '..' segments would"),
    (lambda s: _endpoint(s, path="a/%2e%2e/%2E%2E/admin"), "'..' segments would leave the base"),
    (lambda s: _endpoint(s, path="customers?api_key=x"), "a query or fragment; put query"),
    (lambda s: _endpoint(s, path="a\\..\\b"), "backslashes"),
    (lambda s: _params(s, api_token="abc123"), PARAMS_AT + "api_token: " + CREDENTIAL),
    (lambda s: _params(s, access_token=12345), PARAMS_AT + "access_token: " + CREDENTIAL),
    (lambda s: _params(s, key="AIzaSy000"), PARAMS_AT + "key: " + CREDENTIAL),
    (
        lambda s: s["client"].setdefault("headers", {}).update(Authorization="Bearer sk_live_x"),
        CREDENTIAL,
    ),
    (
        lambda s: s["client"].setdefault("headers", {}).update({"X-Api-Key": "k"}),
        "X-Api-Key: " + CREDENTIAL,
    ),
    (
        lambda s: s["client"].setdefault("headers", {}).update({"X-Trace": "a\r\nCookie: x"}),
        "control char",
    ),
    (
        lambda s: s["client"].update(base_url="http://instance-data.ec2.internal/"),
        "cloud metadata addresses are not allowed",
    ),
    (
        lambda s: s["client"].update(base_url="http://[::ffff:0:a9fe:a9fe]/"),
        "cloud metadata addresses are not allowed",
    ),
    (
        lambda s: _endpoint(s, method="POST", json={"auth": {"password": "hunter2"}}),
        "$.resources[0].endpoint.json: auth.password: a credential-like name in a POST body: "
        "put the credential in client.auth",
    ),
    (lambda s: _params(s, limit=-5), PARAMS_AT + "limit=-5: a page size must be from 1 to 10,000"),
    (lambda s: _params(s, limit=10**12), PARAMS_AT + "limit=1000000000000: a page size must be"),
    (lambda s: _params(s, per_page=0), "per_page=0: a page size must be from 1 to 10,000"),
    (lambda s: _params(s, since=2**60), "since=1152921504606846976: not a finite number"),
    (lambda s: _params(s, ratio=float("nan")), "ratio=nan: not a finite number"),
    (
        lambda s: s["client"].update(paginator={"type": "offset", "limit": 10**12}),
        "$.client.paginator.limit: Input should be less than or equal to 10000 (got 10000000",
    ),
    (
        lambda s: s["client"].update(paginator={"type": "offset", "limit": -5}),
        "$.client.paginator.limit: Input should be greater than or equal to 1 (got -5)",
    ),
    (
        lambda s: s["client"].update(paginator={"type": "page_number", "base_page": 7}),
        "$.client.paginator.base_page: Input should be less than or equal to 1 (got 7)",
    ),
    (
        lambda s: s.update(rate_limit={"requests_per_second": float("inf")}),
        "$.rate_limit.requests_per_second: Input should be a finite number",
    ),
    (
        lambda s: s.update(rate_limit={"requests_per_second": 5, "burst": 10**9}),
        "$.rate_limit.burst: Input should be less than or equal to 10000 (got 1000000000)",
    ),
    (
        lambda s: s["client"].update(base_url="http://169.254.169.254/latest/"),
        "$.client.base_url: 'http://169.254.169.254/latest/': " + METADATA,
    ),
    (lambda s: s["client"].update(base_url="http://[fd00:ec2::254]/"), METADATA),
    (lambda s: s["client"].update(base_url="http://2852039166/"), METADATA),  # 169.254.169.254
    (lambda s: s["client"].update(base_url="http://metadata.google.internal/"), METADATA),
    (
        lambda s: s["client"].update(base_url="https://sk_live_123:x@api.example/"),
        "'https://***@api.example/': credentials in a URL are not allowed",
    ),
    (lambda s: s["client"].update(base_url="https://api.example:http/"), "port is not a number"),
    (lambda s: s["client"].update(base_url="https:///v1"), "'https:///v1': no host"),
    (lambda s: s["sandbox"].update(path="/stripe/../admin/"), "'..' segments would leave"),
]


@pytest.mark.parametrize(("change", "message"), INVALID + REACH)
def test_invalid_specs_name_the_json_path_and_problem(change, message):
    with pytest.raises(SpecError) as raised:
        parse_spec(variant(change), "connector_specs/stripe.json")
    text = str(raised.value)
    assert text.startswith("connector_specs/stripe.json: invalid connector spec: ")
    assert message in text


def test_a_refused_secret_is_never_echoed():
    with pytest.raises(SpecError) as raised:
        parse_spec(variant(lambda s: _params(s, api_token="pd_live_0123456789")), "x.json")
    assert "pd_live_0123456789" not in str(raised.value)


FILES = json.loads((specs_dir() / "filesource.json").read_text())
GLOB_AT = "x.json: invalid connector spec: $.tables[0].file_glob: "


# issue 16, item 2: a file connector's glob stays inside the tenant's folder
@pytest.mark.parametrize(
    ("glob", "rule"),
    [
        ("../../victim/filesource/accounts*.csv", "'..' segments would leave the tenant's folder"),
        ("../../../../etc/passwd", "'..' segments would leave the tenant's folder"),
        ("**/../../*.csv", "'..' segments would leave the tenant's folder"),
        ("exports/..", "'..' segments would leave the tenant's folder"),
        ("/etc/*", "absolute paths are not allowed"),
        ("~/accounts.csv", "'~' (home folders) is not allowed"),
        ("exports/~root/a.csv", "'~' (home folders) is not allowed"),
        ("..\\..\\victim\\a.csv", "backslashes are not allowed"),
        ("accounts\x00.csv", "control characters"),
        ("file:///etc/passwd", "URLs and drive letters are not allowed"),
        ("C:/data/a.csv", "URLs and drive letters are not allowed"),
        ("a" * 600, "longer than 512 characters"),
    ],
)
def test_file_globs_that_leave_the_tenants_folder_are_refused(glob, rule):
    spec = copy.deepcopy(FILES)
    spec["tables"][0]["file_glob"] = glob
    with pytest.raises(SpecError) as raised:
        parse_spec(spec, "x.json")
    assert str(raised.value).startswith(GLOB_AT)
    assert rule in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("glob", ["accounts*.csv", "**/accounts*.csv", "2024/q1/*.csv", "a..b.csv"])
def test_file_globs_inside_the_folder_are_accepted(glob):
    spec = copy.deepcopy(FILES)
    spec["tables"][0]["file_glob"] = glob
    assert parse_spec(spec, "x.json").tables[0].file_glob == glob


VALID = [
    lambda s: None,
    lambda s: s["client"].update(paginator={"type": "single_page"}),
    lambda s: s["client"].update(
        auth={"type": "api_key", "name": "X-Api-Key", "api_key": {"secret": "key"}}
    ),
    lambda s: (
        [r["endpoint"].update(paginator={"type": "offset", "limit": 50}) for r in s["resources"]]
        and s["client"].pop("paginator")
    ),
    lambda s: s["resources"][0].update(
        derived_fields={"phone": ["phones[?(@.primary == true)].value", "phones[0].value"]}
    ),
]


@pytest.mark.parametrize("change", VALID)
def test_valid_specs_parse(change):
    spec = parse_spec(variant(change), "x.json")
    assert isinstance(spec, GenericRestSpec)
    assert [r.name for r in spec.resources] == ["customers", "invoices", "charges", "subscriptions"]


def test_spec_files_report_json_syntax_errors_with_line(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "broken",\n  "kind": \n}')
    with pytest.raises(SpecError, match=r"broken.json: not valid JSON at line 4 column 1"):
        load_spec_file(path)


def test_spec_file_name_must_match_connector_name(tmp_path: Path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps(STRIPE))
    with pytest.raises(SpecError, match=r"other.json: \$.name is 'stripe' but the file is named"):
        load_spec_file(path)


def test_shipped_specs_load_and_schema_file_is_current():
    specs = load_specs()
    assert {"stripe", "hubspot", "filesource"} <= set(specs)
    committed = (specs_dir() / "connector_spec.schema.json").read_text()
    assert committed == schema_text(), "run `autonomos connectors schema --write`"


def test_specs_hold_no_secret_values():
    for path in specs_dir().glob("*.json"):
        data = json.loads(path.read_text())
        data.pop("sandbox", None)  # public sandbox test credentials only
        text = json.dumps(data)
        assert '"sk_' not in text and 'token": "' not in text, path


@pytest.mark.parametrize(
    ("spec_name", "change", "message"),
    [
        (
            "postgres",
            lambda s: s["tables"].append(dict(s["tables"][0])),
            "table names must be unique",
        ),
        (
            "postgres",
            lambda s: s["tables"][0].update(incremental_column='updated"at'),
            "$.tables[0].incremental_column: 'updated\"at' is not a JSONPath",
        ),
        (
            "mongodb",
            lambda s: s["collections"].append(dict(s["collections"][0])),
            "collection tables",
        ),
        (
            "mongodb",
            lambda s: s["collections"][0].update(incremental_field="$ne"),
            "$.collections[0].incremental_field: '$ne' is not a JSONPath",
        ),
    ],
)
def test_other_kinds_refuse_what_failed_when_their_source_was_built(spec_name, change, message):
    """dlt refused two tables of one name, and read an incremental field as a JSONPath, only
    when the source was built (a helper's probe): refused with the spec now."""
    spec = json.loads((specs_dir() / f"{spec_name}.json").read_text())
    change(spec)
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_spec(spec, f"{spec_name}.json")
