"""The `autonomos` command line."""
