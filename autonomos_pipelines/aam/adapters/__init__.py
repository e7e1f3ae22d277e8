"""One module per connector kind: spec + connection (+ HTTP runtime) -> dlt source."""
