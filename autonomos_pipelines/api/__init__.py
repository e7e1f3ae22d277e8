"""The DCL as an HTTP service (`autonomos serve`): lookups, mapping, review, history, drift,
health and usage over the same operations the CLI calls."""
