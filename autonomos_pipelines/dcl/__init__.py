"""DCL (Data Connection Layer): canonical model, mapping registry, mapping decisions.

RACI: DCL never fetches from source APIs; AAM never writes to the registry.
"""
