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
    """What a pass decided, table by table, to tell which tables' approved fields wait on
    their entity's identity; ``feeds``: the entity each table the registry has feeding one
    feeds; ``pending``: proposals awaiting a person from earlier passes, by (connector,
    table, field)."""

    def __init__(self, feeds: Mapping[Table, str], pending: Mapping[tuple[str, str, str], dict]):
        self.fed = {(*table, entity) for table, entity in feeds.items()}
        self.approved: dict[Table, tuple[str, Counter[str]]] = {}
        self.proposed = {
            (connector, table, row["canonical_entity"])
            for (connector, table, _), row in pending.items()
            if is_identity(f"{row['canonical_entity']}.{row['canonical_field']}")
        }

    def saw(self, table: Table, name: str, target: str, approved: bool) -> None:
        """One decision of the pass: ``target`` for a field of ``table`` (its source name
        ``name``), approved or proposed for a person."""
        entity = target.partition(".")[0]
        if is_identity(target):
            (self.fed if approved else self.proposed).add((*table, entity))
        elif approved:
            self.approved.setdefault(table, (name, Counter()))[1][entity] += 1

    def waiting(self) -> dict[str, str]:
        """ "connector.table" -> what it waits for, for each table with fields approved this
        pass of an entity it does not feed (most approved first, each with its identity)."""
        found = {}
        model = canonical_model()
        for (connector, table), (name, entities) in sorted(self.approved.items()):
            said = []
            for entity, count in entities.most_common():
                if (connector, table, entity) in self.fed:
                    continue
                identity = f"{entity}.{model[entity].identity_field}"
                proposed = (connector, table, entity) in self.proposed
                state = "waits for a person" if proposed else "unmapped"
                said.append(f"{count} {entity} field(s) approved; {identity} {state}")
            if said:
                found[f"{connector}.{name}"] = "; ".join(said)
        return found
