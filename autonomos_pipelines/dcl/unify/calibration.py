"""What reviewers' verdicts say about the link threshold.

Every decided pair is scored again at each run; grouped by its probability band, the share a
reviewer called "same" is the linker's precision in that band on this tenant's data (if
the verdicts are representative of their band: the queue is shown most probable first, so a
band's top is decided first). Linking
from a band's lower edge up to the link threshold would link every pair of those bands: where
their precision (each band's share "same" weighed by how many pairs it holds) is at least
TARGET at the lower end of a 95 % Wilson interval over the verdicts, the tenant can link from
there without review (`autonomos unify settings --upper`). That takes a few hundred verdicts:
a promise of 98 % needs about 190 verdicts all "same". The linker's own probabilities can be
over- or under-confident on a tenant's data; its reviewers' verdicts are evidence a person
can check."""

from __future__ import annotations

import math
from dataclasses import dataclass

from autonomos_pipelines.dcl.unify.model import Decision, ScoredPair, Thresholds

BAND_EDGES = (0.5, 0.65, 0.8, 0.9)
TARGET = 0.98  # pairwise precision a linked pair should have
_Z = 1.96


def wilson_lower(share: float, n: int) -> float:
    """The lower end of the 95 % Wilson interval of ``share`` observed over ``n``."""
    if not n:
        return 0.0
    centre = share + _Z**2 / (2 * n)
    spread = _Z * math.sqrt(share * (1 - share) / n + _Z**2 / (4 * n * n))
    return (centre - spread) / (1 + _Z**2 / n)


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    pairs: int  # scored pairs in the band, decided or not
    decided: int
    same: int

    @property
    def lower_bound(self) -> float:
        """The lower end of the 95 % Wilson interval of the share decided "same"."""
        return wilson_lower(self.same / self.decided if self.decided else 0.0, self.decided)


@dataclass(frozen=True)
class Calibration:
    bands: tuple[Band, ...]
    suggested_upper: float | None  # link from here without review; None: keep reviewing


def calibrate(
    pairs: list[ScoredPair], decisions: list[Decision], thresholds: Thresholds
) -> Calibration:
    """Bands between the thresholds with their verdicts, and the link threshold they
    support."""
    verdicts = {frozenset((d.left, d.right)): d.verdict for d in decisions}
    edges = [e for e in BAND_EDGES if thresholds.lower <= e < thresholds.upper]
    edges = sorted({thresholds.lower, *edges}) + [thresholds.upper]
    bands = []
    for low, high in zip(edges, edges[1:], strict=False):
        inside = [frozenset((p.left, p.right)) for p in pairs if low <= p.probability < high]
        found = [verdicts[key] for key in inside if key in verdicts]
        bands.append(Band(low, high, len(inside), len(found), found.count("same")))
    return Calibration(tuple(bands), _suggested(bands, thresholds.upper))


def _suggested(bands: list[Band], upper: float) -> float | None:
    """The lowest band edge from which linking the bands up to ``upper`` is precise enough:
    pooled, at the lower bound, and no band among them below TARGET on its own (a large good
    band must not hide a bad one); None when there is none."""
    suggested, linked = None, []
    for band in reversed(bands):
        if not band.pairs:
            continue
        if not band.decided or band.same / band.decided < TARGET:
            break
        linked.append(band)
        pairs = sum(b.pairs for b in linked)
        weights = [b.pairs / pairs for b in linked]
        share = sum(w * b.same / b.decided for w, b in zip(weights, linked, strict=True))
        # a large band with few verdicts is as uncertain as its own sample, however many
        # verdicts a small band has: the effective sample size of a stratified estimate
        effective = 1 / sum(w * w / b.decided for w, b in zip(weights, linked, strict=True))
        if wilson_lower(share, int(effective)) >= TARGET:
            suggested = band.low
    return suggested if suggested is not None and suggested < upper else None
