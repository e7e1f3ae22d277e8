"""The confidence trees as the matcher runs them (numpy over JSON) give what scikit-learn's
fitted model gives, missing values included; stored trees for other evidence or another depth
are refused."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from autonomos_pipelines.dcl.matching.confidence import EVIDENCE, TRAINED_RANKS, ensemble_from_json
from autonomos_pipelines.dcl.matching.scoring import default_model
from autonomos_pipelines.dcl.matching.tree_tables import outcome_tables
from bench.tree_export import from_sklearn


@pytest.mark.parametrize(("depth", "tabled"), [(3, True), (6, False)])
def test_exported_trees_match_sklearn_through_json(depth, tabled):
    """Shallow trees run through a table of their outcomes (tree_tables), deeper ones leaf by
    leaf; both give sklearn's probabilities, rows with missing values and without alike."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, len(EVIDENCE)))
    x[rng.random(x.shape) < 0.05] = np.nan
    x[:300, 5] = rng.normal(size=300)  # column 5 without a missing value in the first half
    y = (np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 3]) > 0.2).astype(int)
    model = HistGradientBoostingClassifier(max_depth=depth, max_iter=40, random_state=0)
    model.fit(x, y)
    stored = ensemble_from_json(json.loads(json.dumps(from_sklearn(model).to_json())))
    assert (outcome_tables(stored.trees) is not None) == tabled
    for rows in (x, x[:300]):
        assert np.abs(stored.probability(rows) - model.predict_proba(rows)[:, 1]).max() < 1e-9


def test_trees_fitted_on_other_evidence_are_refused():
    data = default_model().calibration.to_json()
    data["evidence"] = data["evidence"][:-1]
    with pytest.raises(ValueError, match="refit"):
        ensemble_from_json(data)


@pytest.mark.parametrize("ranks", [5, None])
def test_trees_fitted_on_another_depth_are_refused(ranks):
    """The matcher orders each field's first TRAINED_RANKS candidates by the trees: trees
    fitted on another depth (or not saying) would do it where they extrapolate."""
    shipped = default_model().calibration
    assert shipped.ranks == TRAINED_RANKS and shipped.to_json()["ranks"] == TRAINED_RANKS
    data = replace(shipped, ranks=5).to_json() if ranks else shipped.to_json()
    if ranks is None:
        del data["ranks"]
    with pytest.raises(ValueError, match=f"first {ranks} candidates.*refit"):
        ensemble_from_json(data)


def test_shipped_trees_give_probabilities():
    trees = default_model().calibration
    assert len(trees.trees) > 10
    p = trees.probability(np.zeros((3, len(EVIDENCE))))
    assert ((p > 0) & (p < 1)).all()
