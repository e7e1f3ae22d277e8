"""Does a source field's type and value pattern fit a target field?"""

from __future__ import annotations

from autonomos_pipelines.dcl.matching.targets import Target

_TYPE_CLASSES = {
    "text": ("str", "char", "text", "varchar", "object", "string", "uuid", "enum", "category"),
    "integer": ("int", "bigint", "smallint", "long", "serial"),
    "number": ("decimal", "double", "float", "numeric", "real", "number", "money"),
    "boolean": ("bool",),
    "temporal": ("date", "time"),
    "json": ("json", "array", "complex", "struct", "map", "list"),
}
_COMPATIBLE = {
    frozenset({"integer", "number"}): 0.8,
    frozenset({"integer", "temporal"}): 0.4,
    frozenset({"integer", "boolean"}): 0.3,
}
_SPECIFIC = {"email", "url", "domain", "currency", "phone", "temporal", "boolean"}
_NUMERIC_PATTERNS = {"integer", "decimal", "epoch"}


def type_class(name: str | None) -> str | None:
    if not name:
        return None
    lowered = name.lower()
    for cls, stems in _TYPE_CLASSES.items():
        if any(stem in lowered for stem in stems):
            return cls
    return None


def type_compatibility(source_type: str | None, target_type: str) -> float:
    """1 same class, partial for convertible classes, 0.5 when text or unknown is involved."""
    source, target = type_class(source_type), type_class(target_type)
    if source is None or target is None or source == target:
        return 1.0 if source == target and source is not None else 0.5
    if "text" in (source, target):
        return 0.5
    return _COMPATIBLE.get(frozenset({source, target}), 0.0)


def expected_pattern(target: Target) -> str | None:
    tokens = target.tokens
    for pattern, words in (
        ("email", {"email", "mail"}),
        ("url", {"url", "website", "link", "homepage"}),
        ("domain", {"domain"}),
        ("currency", {"currency"}),
        ("phone", {"phone", "mobile", "fax", "telephone"}),
    ):
        if tokens & words:
            return pattern
    cls = type_class(target.type)
    return {"temporal": "temporal", "boolean": "boolean"}.get(cls or "")


def normalise_pattern(pattern: str | None) -> str | None:
    return "temporal" if pattern in ("date", "timestamp", "epoch") else pattern


def pattern_agreement(source_pattern: str | None, target: Target) -> float:
    """+1 samples look like what the target holds, -1 they clearly do not, 0 cannot tell."""
    sample = normalise_pattern(source_pattern)
    expected = expected_pattern(target)
    if sample is None:
        return 0.0
    if expected is not None and (sample == expected or {sample, expected} == {"url", "domain"}):
        return 1.0
    if source_pattern == "epoch" and expected == "temporal":
        return 1.0
    target_class = type_class(target.type)
    if sample in _SPECIFIC and expected is not None:
        return -1.0
    if sample in _SPECIFIC - {"boolean"} and target_class in ("integer", "number"):
        return -1.0
    if expected in ("email", "url", "currency", "phone", "temporal") and sample == "text":
        return -1.0
    if target_class in ("integer", "number") and source_pattern not in _NUMERIC_PATTERNS:
        return -0.5
    return 0.0
