"""A fitted scikit-learn HistGradientBoostingClassifier (binary) as the TreeEnsemble the
matcher evaluates with numpy; leaf values already carry the learning rate."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from autonomos_pipelines.dcl.matching.confidence import Tree, TreeEnsemble


def from_sklearn(model: HistGradientBoostingClassifier) -> TreeEnsemble:
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append(Tree(nodes["feature_idx"].astype(np.int64), nodes["num_threshold"],
                          nodes["left"].astype(np.int64), nodes["right"].astype(np.int64),
                          nodes["is_leaf"].astype(bool), nodes["value"],
                          nodes["missing_go_to_left"].astype(bool)))  # fmt: skip
    return TreeEnsemble(float(np.ravel(model._baseline_prediction)[0]), tuple(trees))
