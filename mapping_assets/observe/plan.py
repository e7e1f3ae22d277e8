"""How a tick's observation work is cut: every tenant's connectors in batches (one step each,
one tenant per batch so its observations land on that tenant's partitions), and batches packed
into shards (one observe run each). Runs are few because each costs a run-worker process on
the launching machine; steps are many because they are what the workers spread."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos_pipelines.core.tenant_id import TenantId


@dataclass(frozen=True)
class Batch:
    tenant: TenantId
    connectors: tuple[str, ...]

    def as_config(self) -> dict:
        return {"tenant": self.tenant, "connectors": list(self.connectors)}


@dataclass(frozen=True)
class Shard:
    index: int
    batches: tuple[Batch, ...]

    @property
    def connectors(self) -> int:
        return sum(len(batch.connectors) for batch in self.batches)

    @property
    def tenants(self) -> list[TenantId]:
        return sorted({batch.tenant for batch in self.batches})


def batches(tenants: dict[TenantId, list[str]], size: int) -> list[Batch]:
    """Each tenant's connectors, sorted, cut into batches of at most ``size``."""
    cut = []
    for tenant in sorted(tenants):
        names = sorted(tenants[tenant])
        cut += [Batch(tenant, tuple(names[i : i + size])) for i in range(0, len(names), size)]
    return cut


def shards(tenants: dict[TenantId, list[str]], batch_size: int, shard_size: int) -> list[Shard]:
    """Consecutive batches packed into shards of at most ``shard_size`` connectors (a batch is
    never split; a batch larger than a shard gets a shard of its own)."""
    packed: list[list[Batch]] = []
    for batch in batches(tenants, batch_size):
        current = packed[-1] if packed else None
        if current and sum(len(b.connectors) for b in current) + len(batch.connectors) <= (
            shard_size
        ):
            current.append(batch)
        else:
            packed.append([batch])
    return [Shard(index, tuple(group)) for index, group in enumerate(packed)]
