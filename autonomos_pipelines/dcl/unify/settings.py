"""A tenant's unification settings per entity: the two thresholds and the survivorship rules
of its golden records. Defaults until a reviewer or admin sets them; every change audited."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, get_args

import sqlalchemy as sa

from autonomos_pipelines.core.audit import audit
from autonomos_pipelines.core.database import session
from autonomos_pipelines.core.errors import InputRefused
from autonomos_pipelines.core.tenant_id import TenantId
from autonomos_pipelines.dcl.model.canonical_model import canonical_model
from autonomos_pipelines.dcl.registry.workflow import DECIDERS, Workflow
from autonomos_pipelines.dcl.unify.decisions import check_entity
from autonomos_pipelines.dcl.unify.model import FieldRule, Survivorship, Thresholds

RULES: tuple[str, ...] = get_args(FieldRule)


def _describe(thresholds: Thresholds, rules: Survivorship) -> dict[str, Any]:
    return {
        "lower": thresholds.lower, "upper": thresholds.upper, "default_rule": rules.default,
        "field_rules": dict(rules.per_field), "source_priority": list(rules.source_priority),
    }  # fmt: skip


def validate(entity: str, thresholds: Thresholds, rules: Survivorship) -> None:
    """Refuse thresholds out of order and rules or fields the canonical model lacks."""
    if not 0 < thresholds.lower <= thresholds.upper < 1:
        raise InputRefused(
            f"thresholds lower {thresholds.lower} / upper {thresholds.upper}: "
            "need 0 < lower <= upper < 1"
        )
    fields = {f.name for f in canonical_model()[entity].fields}
    for name, rule in {"(default)": rules.default, **rules.per_field}.items():
        if name != "(default)" and name not in fields:
            raise InputRefused(f"{entity}.{name} is not a field of the canonical model")
        if rule not in RULES:
            raise InputRefused(f"rule {rule!r} for {name}: use one of {', '.join(RULES)}")


class UnifySettings:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow, self.engine = workflow, workflow.engine

    def get(self, tenant_id: TenantId, entity: str) -> tuple[Thresholds, Survivorship]:
        with session(self.engine, tenant_id) as db:
            row = db.execute(
                sa.text("SELECT * FROM unify_settings WHERE tenant_id = :t AND entity = :e"),
                {"t": tenant_id, "e": check_entity(entity)},
            ).first()
        if row is None:
            return Thresholds(), Survivorship()
        rules = Survivorship(row.default_rule, dict(row.field_rules), tuple(row.source_priority))
        return Thresholds(row.lower_threshold, row.upper_threshold), rules

    def set(
        self, tenant_id: TenantId, entity: str, actor: str, **changes: Any
    ) -> tuple[Thresholds, Survivorship]:
        """Change some settings (lower, upper, default_rule, field_rules, source_priority);
        the rest keep their values."""
        thresholds, rules = self.get(tenant_id, entity)
        before = _describe(thresholds, rules)
        unknown = set(changes) - set(before)
        if unknown:
            raise InputRefused(f"unknown unification setting(s): {', '.join(sorted(unknown))}")
        given = {k: v for k, v in changes.items() if v is not None}
        thresholds = replace(
            thresholds, **{k: float(given[k]) for k in ("lower", "upper") if k in given}
        )
        rules = Survivorship(
            given.get("default_rule", rules.default),
            {**rules.per_field, **given.get("field_rules", {})},
            tuple(given.get("source_priority", rules.source_priority)),
        )
        validate(entity, thresholds, rules)
        after = _describe(thresholds, rules)
        with session(self.engine, tenant_id) as db:
            self.workflow.require_role(
                db, actor, DECIDERS, "unify.settings", tenant_id, entity, "unify_settings"
            )
            db.execute(
                sa.text("""INSERT INTO unify_settings AS s (tenant_id, entity, lower_threshold,
                               upper_threshold, default_rule, field_rules, source_priority,
                               updated_by)
                           VALUES (:t, :e, :lo, :up, :d, CAST(:f AS jsonb), :p, :by)
                           ON CONFLICT (tenant_id, entity) DO UPDATE SET
                               lower_threshold = :lo, upper_threshold = :up, default_rule = :d,
                               field_rules = CAST(:f AS jsonb), source_priority = :p,
                               updated_by = :by, updated_at = now()"""),
                {"t": tenant_id, "e": entity, "lo": thresholds.lower, "up": thresholds.upper,
                 "d": rules.default, "f": json.dumps(rules.per_field),
                 "p": list(rules.source_priority), "by": str(actor)},
            )  # fmt: skip
            audit(db, actor, "unify.settings", tenant_id, "unify_settings", entity, before, after)
        return thresholds, rules
