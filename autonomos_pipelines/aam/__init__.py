"""AAM (Adaptive API Mesh): connector specs, the spec -> dlt source factory, sandbox access.

RACI: AAM never imports LLM, embedding or vector-store libraries and never writes to the
mapping registry; it applies mappings that the DCL decided.
"""
