"""Connector spec validation: valid and invalid specs with the exact error they must give."""

from __future__ import annotations

import copy
import json
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
    (lambda s: s.update(kind="graphql"), "$.kind: Input tag 'graphql' found using 'kind'"),
    (lambda s: s.update(name="Bad Name"), "$.name: String should match pattern"),
    (lambda s: s["client"].update(base_url="ftp://x"), "$.client.base_url: String should match"),
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
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_invalid_specs_name_the_json_path_and_problem(change, message):
    with pytest.raises(SpecError) as raised:
        parse_spec(variant(change), "connector_specs/stripe.json")
    text = str(raised.value)
    assert text.startswith("connector_specs/stripe.json: invalid connector spec: ")
    assert message in text


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
