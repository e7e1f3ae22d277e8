"""OpenTelemetry traces of runs, steps, loads, mapping passes, LLM calls and registry queries.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing is installed and every helper here
returns at once (see bench/tracing_overhead.py for what that costs).
"""
