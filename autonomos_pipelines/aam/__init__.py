"""AAM (Adaptive API Mesh), the dumb pipe: connector specs, HTTP runtime, adapters and the
spec -> dlt source factory, connections, drift *detection*, connector health.

RACI: AAM never imports the DCL, nor LLM, embedding or vector-store libraries, and never writes
to the mapping registry; the Dagster layer composes the two.
"""
