"""column_margin: how far a field leads the other fields of its table on each target."""

import numpy as np
import pytest

from autonomos_pipelines.dcl.matching.column_margin import column_margin

SCORES = np.array(
    [
        [1.0, 5.0, 0.0],  # table one
        [3.0, 2.0, 0.0],
        [2.0, 4.0, 1.0],
        [9.0, 9.0, 9.0],  # table two: one field
        [0.5, 0.5, 0.5],  # table three: two fields tied on every target
        [0.5, 0.5, 0.5],
    ]
)
TABLES = [[0, 1, 2], [3], [4, 5]]


def test_each_field_against_the_best_other_field_of_its_table():
    margin = column_margin(SCORES, TABLES)
    assert margin[:3].tolist() == [[-2.0, 1.0, -1.0], [1.0, -3.0, -1.0], [-1.0, -1.0, 1.0]]


@pytest.mark.parametrize(("row", "expected"), [(3, [np.nan] * 3), (4, [0.0] * 3), (5, [0.0] * 3)])
def test_a_lone_field_leads_nothing_and_a_tie_leads_by_nothing(row, expected):
    np.testing.assert_array_equal(column_margin(SCORES, TABLES)[row], expected)


def test_tables_never_see_each_other():
    """Another table's fields, however high they score, are not this table's rivals."""
    alone = column_margin(SCORES[:3], [[0, 1, 2]])
    np.testing.assert_array_equal(column_margin(SCORES, TABLES)[:3], alone)


def test_fields_already_mapped_are_rivals_too():
    """A field ranked alone is weighed against its table's mapped fields (``rivals``), as if
    the whole table were ranked at once."""
    whole = column_margin(SCORES[:3], [[0, 1, 2]])
    alone = column_margin(SCORES[2:3], [[0]], [SCORES[:2]])
    np.testing.assert_array_equal(alone[0], whole[2])
    assert np.isnan(column_margin(SCORES[2:3], [[0]], [None])).all()  # no rival: nothing known
