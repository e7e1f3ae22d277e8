"""The dependency rule, checked on the import graph of every shipped package (imports inside
functions included, followed transitively), and stated in the README exactly as checked here.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.import_graph import ImportGraph, build_graph

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = (
    "autonomos_pipelines",
    "mapping_assets",
    "quality_checks",
    "resources",
    "connector_specs",
)
A = "autonomos_pipelines"
SANDBOX = f"{A}.sandbox"
# the Dagster layer and everything above it: composes AAM and the DCL, never below them
ASSET_LAYER = (
    "resources",
    "quality_checks",
    "mapping_assets",
    f"{A}.asset_graph",
    f"{A}.definitions",
    f"{A}.code_location",
    f"{A}.operations",
    f"{A}.cli",
)
DAGSTER = ("dagster", "dagster_dlt", "dagster_webserver")
DAGSTER_LAYERS = (
    ("Partitions and asset keys", f"{A}.asset_graph"),
    ("Resources", "resources"),
    ("Checks", "quality_checks"),
    ("Assets and sensors", "mapping_assets"),
    ("The Definitions", (f"{A}.definitions", f"{A}.code_location")),
    ("Operations", f"{A}.operations"),
)


def _modules(layer: str | tuple[str, ...]) -> tuple[str, ...]:
    return layer if isinstance(layer, tuple) else (layer,)


def _above(index: int) -> tuple[str, ...]:
    later = [m for _, layer in DAGSTER_LAYERS[index + 1 :] for m in _modules(layer)]
    return (*later, f"{A}.cli")


ML = ("sentence_transformers", "torch", "transformers", "google", "pgvector")


@dataclass(frozen=True)
class Rule:
    who: str
    modules: tuple[str, ...]
    never_reach: tuple[str, ...]
    never_import: tuple[str, ...] = ()
    except_modules: tuple[str, ...] = ()

    def covers(self, module: str) -> bool:
        return _within(module, self.modules) and not _within(module, self.except_modules)

    def sentence(self) -> str:
        where = ", ".join(f"`{m}`" for m in self.modules)
        besides = ", ".join(f"`{m}`" for m in self.except_modules)
        text = f"**{self.who}** ({where}{f'; not {besides}' if besides else ''}) never reaches "
        text += ", ".join(f"`{m}`" for m in self.never_reach)
        if self.never_import:
            text += " and never imports " + ", ".join(f"`{m}`" for m in self.never_import)
        return text + "."


RULES = (
    Rule(
        "The DCL",
        (f"{A}.dcl",),
        (f"{A}.aam", SANDBOX, f"{A}.warehouse", f"{A}.canonical", *ASSET_LAYER),
        (*DAGSTER, "dlt", "requests"),
    ),
    Rule(
        "AAM",
        (f"{A}.aam",),
        (f"{A}.dcl", SANDBOX, f"{A}.warehouse", f"{A}.canonical", *ASSET_LAYER),
        (*DAGSTER, *ML),
    ),
    Rule(
        "The core",
        (f"{A}.core",),
        (f"{A}.aam", f"{A}.dcl", SANDBOX, f"{A}.warehouse", f"{A}.canonical", *ASSET_LAYER),
        (*DAGSTER, "dlt", *ML),
    ),
    Rule(
        "The HTTP API",
        (f"{A}.api",),
        (SANDBOX, f"{A}.warehouse", f"{A}.canonical", *ASSET_LAYER),
        (*DAGSTER, "dlt"),
    ),
    Rule(
        "The status view",
        (f"{A}.status",),
        (SANDBOX, f"{A}.api", f"{A}.warehouse", f"{A}.canonical", *ASSET_LAYER),
        (*DAGSTER, "dlt"),
    ),
    Rule(
        "The warehouse and canonical SQL",
        (f"{A}.warehouse", f"{A}.canonical"),
        (f"{A}.aam", SANDBOX, *ASSET_LAYER),
        DAGSTER,
    ),
    *(  # the Dagster layer, bottom up: each never reaches the ones above it
        Rule(who, _modules(layer), (*_above(i), SANDBOX))
        for i, (who, layer) in enumerate(DAGSTER_LAYERS)
    ),
    Rule(
        "Every runtime module",
        SHIPPED,
        (SANDBOX,),
        except_modules=(SANDBOX, f"{A}.cli"),
    ),
)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(graph: ImportGraph, rule: Rule) -> list[str]:
    found = []
    for module in sorted(m for m in graph.internal if rule.covers(m)):
        chain = graph.chain(module, lambda target: _within(target, rule.never_reach))
        if chain:
            found.append(" -> ".join(chain))
        for library in rule.never_import:
            chain = graph.external_chain(module, library)
            if chain:
                found.append(" -> ".join(chain))
    return found


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return build_graph(ROOT, SHIPPED)


@pytest.mark.parametrize("rule", RULES, ids=[rule.who for rule in RULES])
def test_the_dependency_rule_holds(graph, rule):
    assert violations(graph, rule) == []


def test_no_two_rooms_import_each_other(graph):
    assert graph.room_cycles() == []


def test_every_shipped_module_is_in_the_graph(graph):
    assert f"{A}.dcl.matching.resolver" in graph.internal
    assert "mapping_assets.raw.assets" in graph.internal
    assert len(graph.internal) > 150


def readme_rules() -> str:
    return "\n".join(
        textwrap.fill(rule.sentence(), 96, initial_indent="* ", subsequent_indent="  ")
        for rule in RULES
    )


def test_the_readme_states_the_rule_exactly_as_checked():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- import-rules:start -->\n", "\n<!-- import-rules:end -->"
    assert start in readme and end in readme, "README lacks the import-rules block"
    stated = readme.split(start, 1)[1].split(end, 1)[0]
    assert stated == readme_rules(), "README's rules differ from tests/test_architecture.py"


# one settings module reads the environment ---------------------------------------------------
SETTINGS = ROOT / A / "core" / "settings.py"


def environment_reads(path: Path) -> list[int]:
    """Lines that touch os.environ / getenv / putenv (or import them)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv"):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if {a.name for a in node.names} & {"environ", "getenv", "putenv"}:
                lines.append(node.lineno)
    return lines


def test_one_settings_module_is_the_only_reader_of_the_environment():
    readers = {
        str(path.relative_to(ROOT)): environment_reads(path)
        for package in SHIPPED
        for path in (ROOT / package).rglob("*.py")
        if path != SETTINGS and environment_reads(path)
    }
    assert readers == {}
    assert environment_reads(SETTINGS)  # the check sees a reader where there is one


def test_every_shipped_pipeline_is_made_through_new_pipeline():
    """A `dlt.pipeline(...)` made elsewhere could be a process's first, and start dlt's
    telemetry before its default is set (tests/test_dlt_telemetry.py)."""
    maker = ROOT / "autonomos_pipelines/aam/adapters/pipelines.py"
    made = re.compile(r"\bdlt\.pipeline\(")
    elsewhere = [
        str(path.relative_to(ROOT))
        for package in SHIPPED
        for path in (ROOT / package).rglob("*.py")
        if path != maker and made.search(path.read_text(encoding="utf-8"))
    ]
    assert elsewhere == []


# the checker itself ---------------------------------------------------------------------------
def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_checker_follows_lazy_relative_and_from_imports_transitively(tmp_path):
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/dcl/__init__.py": "",
            "app/dcl/service.py": """
                def build():
                    from . import helper  # lazy and relative
                    return helper
            """,
            "app/dcl/helper.py": "from app.shared import tools\n",
            "app/shared/__init__.py": "",
            "app/shared/tools.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from app.aam import source
            """,
            "app/aam/__init__.py": "",
            "app/aam/source.py": "import dagster\n",
        },
    )
    graph = build_graph(tmp_path, ["app"])
    rule = Rule("dcl", ("app.dcl",), ("app.aam",), ("dagster",))
    assert violations(graph, rule) == [
        "app.dcl.helper -> app.shared.tools -> app.aam.source",
        "app.dcl.helper -> app.shared.tools -> app.aam.source -> dagster",
        "app.dcl.service -> app.dcl.helper -> app.shared.tools -> app.aam.source",
        "app.dcl.service -> app.dcl.helper -> app.shared.tools -> app.aam.source -> dagster",
    ]
    assert violations(graph, Rule("aam", ("app.aam",), ("app.dcl",))) == []


def test_the_checker_finds_rooms_that_import_each_other(tmp_path):
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a/__init__.py": "",
            "app/a/one.py": "from app.b.two import x\n",
            "app/b/__init__.py": "",
            "app/b/two.py": "def f():\n    from app.c import three\n",
            "app/c/__init__.py": "",
            "app/c/three.py": "import app.a.one\n",
        },
    )
    assert build_graph(tmp_path, ["app"]).room_cycles() == [
        ("app.a", "app.b"),
        ("app.a", "app.c"),
        ("app.b", "app.c"),
    ]


def test_the_environment_check_sees_every_way_of_reading_it(tmp_path):
    write(tmp_path, {"m.py": "import os\nfrom os import getenv\nx = os.environ.get('A')\n"})
    assert environment_reads(tmp_path / "m.py") == [2, 3]


# one owner per table --------------------------------------------------------------------------
PARTS = {"core": ROOT / A / "core", "aam": ROOT / A / "aam", "dcl": ROOT / A / "dcl"}
# the audit trail is the platform's (every part appends through core/audit.py); it was created
# with the registry in revision 0001, before the migration history had parts
SHARED_TABLES = {"audit_log"}
SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(\w+)", re.IGNORECASE)


def table_owners() -> dict[str, str]:
    """Each registry table -> the part whose migrations create it."""
    owners = {}
    for part, folder in PARTS.items():
        for path in (folder / "migrations").rglob("*.py"):
            for table in re.findall(r"CREATE TABLE (\w+)", path.read_text(encoding="utf-8")):
                owners[table] = part
    return owners


def tables_in(path: Path, owners: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {t for t in SQL_TABLE.findall(node.value) if t in owners}
    return found


def test_each_table_is_created_and_queried_only_by_its_owner():
    owners = table_owners()
    assert {"drift_events", "schema_snapshots", "aam_connector_health"} <= {
        t for t, part in owners.items() if part == "aam"
    }
    strangers = []
    for package in SHIPPED:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for table in tables_in(path, owners) - SHARED_TABLES:
                if not path.is_relative_to(PARTS[owners[table]]):
                    strangers.append(f"{path.relative_to(ROOT)} uses {owners[table]}'s {table}")
    assert strangers == []
