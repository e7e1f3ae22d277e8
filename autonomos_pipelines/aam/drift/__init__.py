"""Drift *detection*: schema fingerprints, samples of a source, versioned snapshots and drift
events, and the observation that ties them together (the DCL repairs)."""
