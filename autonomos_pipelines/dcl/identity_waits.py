"""The tables whose approved fields feed nothing yet: a source table feeds a canonical entity
only through that entity's identity field (canonical/sql_builder: `SourceTable.feeds`), so a
table whose name, amount and status a pass auto-approved, but whose key waits for a person
(or was never proposed), puts no row in a canonical table until one approves it: on the
unseen systems left out, 13 of the 47 labelled tables have no identity auto-approved
(bench/unseen_benchmark.py, "tables fed"; stop 54). Shown in the Dagster UI beside the
tables a pass made feed, so a reviewer knows which one proposal unblocks a table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from autonomos_pipelines.dcl.model.canonical_model import canonical_model, is_identity

Table = tuple[str, str]  # (connector, lower-cased source table), as the registry keys them


class IdentityWaits:
    """What a pass decided, table by table, to tell which tables approved fields wait on
    their identity; ``feeds``: the tables the registry already has feeding an entity;
    ``pending``: proposals awaiting a person from earlier passes, by (connector, table,
    field)."""

    def __init__(self, feeds: Mapping[Table, str], pending: Mapping[tuple[str, str, str], dict]):
        self.feeds = feeds
        self.approved: dict[Table, tuple[str, Counter[str]]] = {}
        self.proposed = {
            (connector, table)
            for (connector, table, _), row in pending.items()
            if is_identity(f"{row['canonical_entity']}.{row['canonical_field']}")
        }

    def saw(self, table: Table, name: str, target: str, approved: bool) -> None:
        """One decision of the pass: ``target`` for a field of ``table`` (its source name
        ``name``), approved or proposed for a person."""
        if is_identity(target):
            if not approved:
                self.proposed.add(table)
            return
        if approved:
            entities = self.approved.setdefault(table, (name, Counter()))[1]
            entities[target.partition(".")[0]] += 1

    def waiting(self, feeding_now: Mapping[str, str]) -> dict[str, str]:
        """ "connector.table" -> what it waits for, for each table with fields approved this
        pass that feeds no entity (``feeding_now``: the tables the pass made feed one)."""
        found = {}
        model = canonical_model()
        for (connector, table), (name, entities) in sorted(self.approved.items()):
            shown = f"{connector}.{name}"
            if (connector, table) in self.feeds or shown in feeding_now:
                continue
            entity, count = entities.most_common(1)[0]
            identity = f"{entity}.{model[entity].identity_field}"
            state = "waits for a person" if (connector, table) in self.proposed else "unmapped"
            found[shown] = f"{count} {entity} field(s) approved; {identity} {state}"
        return found
