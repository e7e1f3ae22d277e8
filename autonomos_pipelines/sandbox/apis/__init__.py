"""One module per sandboxed API: its dataset, auth check, pagination and envelopes."""
