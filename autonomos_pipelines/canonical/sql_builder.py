"""Generate the SELECT that builds one canonical table from the active mappings.

Every source identifier is quoted. A mapped value that does not convert to the canonical type
becomes NULL in its column and keeps its raw text in ``extras._cast_failed``; source columns
with no active mapping are kept in ``extras``. An enumeration's source values go through their
value mappings, and a value outside the value set is kept and noted in
``extras._unmapped_values`` (canonical/value_sql.py). A computed mapping projects its compiled
expression (dcl/expressions) instead of its source column; the columns it reads count as
mapped, and a NULL it gives is not a failed cast (its casts are explicit and non-raising).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autonomos_pipelines.canonical.value_sql import mapped_values, unmapped_value, with_unmapped
from autonomos_pipelines.core.naming import quote_ident, quote_literal
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.expressions.check import compile_expression, read_columns
from autonomos_pipelines.dcl.expressions.compiler import Joins
from autonomos_pipelines.dcl.expressions.errors import ExpressionError
from autonomos_pipelines.dcl.expressions.lists import NestedList
from autonomos_pipelines.dcl.model.canonical_model import CanonicalEntity, canonical_model
from autonomos_pipelines.dcl.registry.store import Mapping
from autonomos_pipelines.warehouse.dialects import Dialect

DLT_COLUMNS = ("_dlt_load_id", "_dlt_id")
LINEAGE_COLUMNS = (
    "_tenant_id",
    "_source_system",
    "_source_connector",
    "_source_table",
    "_source_record_id",
    "_mapping_version",
    "_value_mapping_version",
    "_source_load_id",
    "_loaded_at",
)
CAST_FAILED_KEY = "_cast_failed"
CURRENCY_FIELD = "currency"


@dataclass(frozen=True)
class SourceTable:
    """A raw table in the tenant's warehouse and the active mappings of its fields."""

    connector: str
    source_system: str
    schema: str
    table: str
    columns: dict[str, str]
    record_id_column: str | None
    mappings: list[Mapping] = field(default_factory=list)
    # source field -> {source value: canonical value}: the active value mappings
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    # source field -> the newest id among its active value mappings (row lineage)
    value_versions: dict[str, int] = field(default_factory=dict)
    # the lists nested in its records, by path, which computed mappings may aggregate
    lists: dict[str, NestedList] = field(default_factory=dict)

    def onto(self, entity: CanonicalEntity) -> list[Mapping]:
        """The table's active mappings onto ``entity`` that it can be read for (a computed
        mapping's source field may be a name of its own, not a column)."""
        return [
            m
            for m in self.mappings
            if m.canonical_entity == entity.name
            and (m.source_field in self.columns or m.expression)
        ]

    def feeds(self, entity: CanonicalEntity) -> bool:
        """Its rows are ``entity``'s records: its key is mapped to the entity's identity."""
        return any(m.canonical_field == entity.identity_field for m in self.onto(entity))


def _col(name: str) -> str:
    return f"src.{quote_ident(name)}"


def _currency(own: list[Mapping], sources: dict[Mapping, str]) -> str | None:
    """The row's currency code, which amounts in minor units need (a table without one is
    read as two-decimal)."""
    for mapping in own:
        if mapping.canonical_field == CURRENCY_FIELD:
            return sources[mapping]
    return None


def _source_sql(mapping: Mapping, source: SourceTable, dialect: Dialect, joins: Joins) -> str:
    """What a mapping reads: its column, or its compiled expression (whose name need not be
    a column; the nested lists it aggregates are added to ``joins``)."""
    if not mapping.expression:
        return _col(mapping.source_field)
    return _computed(mapping, source, dialect, joins)


def _compiled(
    mapping: Mapping, source: SourceTable, dialect: Dialect, joins: Joins | None = None
) -> str:
    return compile_expression(
        mapping.expression or "", source.columns, dialect, source.lists, source.schema, joins
    )


def _computed(mapping: Mapping, source: SourceTable, dialect: Dialect, joins: Joins) -> str:
    """The expression's SQL over this table; NULL if the table changed under it so that it
    no longer type-checks (it was validated when stored: `mappings check-expression` says
    why now)."""
    mine = joins.copy()  # kept only if it compiles, named on from the SELECT's
    try:
        sql = _compiled(mapping, source, dialect, mine)
    except ExpressionError:  # typed: PostgreSQL's to_jsonb(NULL) has no type to go by
        entity = canonical_model()[mapping.canonical_entity or ""]
        return f"CAST(NULL AS {dialect.types[entity.field(mapping.canonical_field or '').type]})"
    joins.clauses = mine.clauses
    return sql


def broken_expressions(
    entity: CanonicalEntity, sources: list[SourceTable], dialect: Dialect
) -> list[tuple[SourceTable, Mapping, str]]:
    """Every computed mapping feeding ``entity`` from ``sources`` that no longer compiles over
    its table as it is now (its column reads NULL), with the reason."""
    broken = []
    for source in sources:
        for mapping in source.mappings:
            if mapping.canonical_entity != entity.name or not mapping.expression:
                continue
            try:
                _compiled(mapping, source, dialect)
            except ExpressionError as error:
                broken.append((source, mapping, str(error)))
    return broken


def _typed(
    mapping: Mapping, entity: CanonicalEntity, raw: str, dialect: Dialect, currency: str | None
) -> str:
    canonical_type = entity.field(mapping.canonical_field or "").type
    if mapping.expression:  # its casts are explicit: no transform
        return dialect.try_cast(raw, canonical_type)
    return dialect.try_cast(dialect.transform(raw, mapping.transform, currency), canonical_type)


def _reads(mapping: Mapping) -> set[str]:
    """The source columns a mapping consumes (an expression's, besides its anchor field)."""
    if not mapping.expression:
        return {mapping.source_field}
    try:
        return {mapping.source_field, *read_columns(mapping.expression)}
    except ExpressionError:
        return {mapping.source_field}


def select_for(
    entity: CanonicalEntity, source: SourceTable, tenant_id: TenantId, dialect: Dialect
) -> str:
    """One SELECT projecting ``source`` onto every field of ``entity`` plus lineage + extras."""
    own = source.onto(entity)
    projections, failures = [], []
    unknown: list[tuple[str, str]] = []  # enumeration values outside the value set
    joins = Joins()  # the nested lists the computed mappings aggregate
    sources = {m: _source_sql(m, source, dialect, joins) for m in own}
    currency = _currency(own, sources)
    for canonical in entity.fields:
        feeding = [m for m in own if m.canonical_field == canonical.name]
        if not feeding:
            sql_type = dialect.types[canonical.type]
            projections.append(f"CAST(NULL AS {sql_type}) AS {quote_ident(canonical.name)}")
            continue
        typed = [
            mapped_values(
                _col(m.source_field),
                _typed(m, entity, sources[m], dialect, currency),
                {} if m.expression else source.value_maps.get(m.source_field, {}),
                canonical,
                dialect,
            )
            for m in feeding
        ]
        expr = typed[0] if len(typed) == 1 else f"COALESCE({', '.join(typed)})"
        projections.append(f"{expr} AS {quote_ident(canonical.name)}")
        for mapping, typed_expr in zip(feeding, typed, strict=True):
            raw = sources[mapping]
            if not mapping.expression:
                failures.append(
                    (
                        mapping.source_field,
                        f"CASE WHEN {raw} IS NOT NULL AND "
                        f"{typed_expr} IS NULL THEN {dialect.as_text(raw)} END",
                    )
                )
            if canonical.values:
                unknown.append(
                    (mapping.source_field, unmapped_value(raw, typed_expr, canonical, dialect))
                )
    mapped_anywhere = set().union(*(_reads(m) for m in source.mappings))
    unmapped = [
        (name, _col(name))
        for name in source.columns
        if name not in mapped_anywhere and name not in DLT_COLUMNS
    ]
    extras = dialect.json_object_without_nulls(unmapped)
    if failures:
        failed = dialect.json_object_without_nulls(failures)
        any_failed = " OR ".join(f"({expr}) IS NOT NULL" for _, expr in failures)
        extras = (
            f"CASE WHEN {any_failed} THEN "
            f"{dialect.json_merge(extras, dialect.json_wrap(CAST_FAILED_KEY, failed))} "
            f"ELSE {extras} END"
        )
    extras = with_unmapped(extras, unknown, dialect)
    record_id = source.record_id_column if source.record_id_column in source.columns else "_dlt_id"
    version = max((m.id for m in own), default=0)
    value_version = max(
        (source.value_versions.get(m.source_field, 0) for m in own if not m.expression), default=0
    )
    load_id = _col("_dlt_load_id") if "_dlt_load_id" in source.columns else "NULL"
    lineage = [
        f"{quote_literal(tenant_id)} AS _tenant_id",
        f"{quote_literal(source.source_system)} AS _source_system",
        f"{quote_literal(source.connector)} AS _source_connector",
        f"{quote_literal(source.table)} AS _source_table",
        f"{dialect.as_text(_col(record_id))} AS _source_record_id",
        f"CAST({version} AS BIGINT) AS _mapping_version",
        f"CAST({value_version} AS BIGINT) AS _value_mapping_version",
        f"{dialect.as_text(load_id)} AS _source_load_id",
        f"{dialect.now()} AS _loaded_at",
        f"{extras} AS extras",
    ]
    relation = f"{quote_ident(source.schema)}.{quote_ident(source.table)}"
    # Every identifier above is quoted with quote_ident and every literal with quote_literal.
    return f"SELECT {', '.join(projections + lineage)} FROM {relation} AS src{joins.sql()}"  # noqa: S608


def empty_select(entity: CanonicalEntity, dialect: Dialect) -> str:
    """The canonical table's shape with no rows (no source feeds the entity yet)."""
    columns = [
        f"CAST(NULL AS {dialect.types[f.type]}) AS {quote_ident(f.name)}" for f in entity.fields
    ]
    text, json_type = dialect.text_type, dialect.types["json"]
    columns += [f"CAST(NULL AS {text}) AS {name}" for name in LINEAGE_COLUMNS[:5]]
    columns += [
        "CAST(NULL AS BIGINT) AS _mapping_version",
        "CAST(NULL AS BIGINT) AS _value_mapping_version",
        f"CAST(NULL AS {text}) AS _source_load_id",
        f"CAST(NULL AS {dialect.types['timestamp']}) AS _loaded_at",
        f"CAST(NULL AS {json_type}) AS extras",
    ]
    return f"SELECT {', '.join(columns)} WHERE 1 = 0"


def entity_select(
    entity: CanonicalEntity, sources: list[SourceTable], tenant_id: TenantId, dialect: Dialect
) -> tuple[str, list[SourceTable]]:
    """UNION ALL of every source table that feeds ``entity``; returns (sql, feeding tables)."""
    feeding = [source for source in sources if source.feeds(entity)]
    if not feeding:
        return empty_select(entity, dialect), []
    return " UNION ALL ".join(select_for(entity, s, tenant_id, dialect) for s in feeding), feeding
