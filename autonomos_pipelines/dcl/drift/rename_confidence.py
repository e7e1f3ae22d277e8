"""How sure the DCL is that a vanished field and a new one are the same field renamed.

Two independent kinds of evidence are joined with a noisy-OR: the matcher's calibrated
confidence that the new field means the old mapping's target, and the structural evidence of
one field vanishing as one of the same type appears in the same table (stronger the more alike
the names are, and the more of the sampled values the two columns share). Measured on
labelled renames by bench/drift_renames.py.
"""

from __future__ import annotations

import difflib

MIN_VALUE_OVERLAP = 0.1
DISAGREEING_VALUES_CAP = 0.8  # in the review band


def structural_evidence(old: str, new: str, value_overlap: float = 0.0) -> float:
    """0.5 for a same-type swap in one table; up to +0.2 for alike names and +0.25 for
    shared sampled values (capped at 0.95: structure alone never proves a rename)."""
    names = difflib.SequenceMatcher(None, old.lower(), new.lower()).ratio()
    return min(0.95, 0.5 + 0.2 * names + 0.25 * value_overlap)


def rename_confidence(
    matcher_fit: float,
    old: str,
    new: str,
    value_overlap: float = 0.0,
    values_compared: bool = False,
) -> float:
    """Noisy-OR of the two kinds of evidence. When both columns' sampled values were compared
    and hardly any is shared, the new column does not carry the old one's data: however alike
    the names, the move is never applied without a person (capped below AUTO_APPROVE)."""
    structure = structural_evidence(old, new, value_overlap)
    confidence = 1 - (1 - matcher_fit) * (1 - structure)
    if values_compared and value_overlap < MIN_VALUE_OVERLAP:
        return min(confidence, DISAGREEING_VALUES_CAP)
    return confidence
