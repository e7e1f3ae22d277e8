"""Payload keys dlt would fold into one column keep a column each: table-driven, then a real
dlt load into DuckDB that keeps every value."""

from __future__ import annotations

import dlt
import duckdb
import pytest

from autonomos_pipelines.aam.adapters.key_collisions import KeyCollisions


def digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    ("record", "expected", "renames"),
    [
        ({"id": 1, "name": "a"}, {"id": 1, "name": "a"}, 0),
        (
            {"First Name": "c", "first_name": "d"},
            {f"first_name_{digest('First Name')}": "c", "first_name": "d"},
            1,
        ),
        ({"名前": "a", "日本": "b"}, {"名前": "a", f"x_{digest('日本')}": "b"}, 1),
        ({"  ": 1, "   ": 2}, {"  ": 1, f"_empty_{digest('   ')}": 2}, 1),
        ({"_dlt_id": "mine"}, {f"source_dlt_id_{digest('_dlt_id')}": "mine"}, 1),
        (
            {"n": {"A b": 1, "a_b": 2}, "list": [{"K": 1, "k": 2}]},
            {"n": {f"a_b_{digest('A b')}": 1, "a_b": 2}, "list": [{f"k_{digest('K')}": 1, "k": 2}]},
            2,
        ),
    ],
)
def test_colliding_keys_get_a_stable_column_each(record, expected, renames):
    collisions = KeyCollisions()
    assert collisions(record) == expected
    assert collisions(dict(record)) == expected  # the cached plan gives the same names
    assert len(collisions.renamed) == renames


def test_a_dlt_load_keeps_every_colliding_value(tmp_path):
    records = [{"id": i, "First Name": f"c{i}", "first_name": f"d{i}", "名前": "a", "日本": "b"}
               for i in range(3)]  # fmt: skip
    pipeline = dlt.pipeline(
        "collide",
        destination=dlt.destinations.duckdb(str(tmp_path / "c.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "p"),
    )
    collisions = KeyCollisions()
    pipeline.run(dlt.resource(records, name="people").add_map(collisions))
    with duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True) as db:
        row = db.execute("SELECT * FROM raw.people WHERE id = 2").fetchone()
    assert row is not None and {"c2", "d2", "a", "b"} <= set(row)
    assert len(collisions.renamed) == 2  # one per collision, however many records
