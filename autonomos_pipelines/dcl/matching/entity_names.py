"""The words a source calls an entity's tables by: the entity's own name, and the others a
target schema gives it (`also_called`: the canonical model's `deal` for the opportunity),
singular or plural, in any case or spelling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from autonomos_pipelines.core.errors import SpecError
from autonomos_pipelines.core.limits import MAX_ALSO_CALLED, MAX_NAME_CHARS


def named_for(table: str, *names: str) -> bool:
    """Whether the source calls ``table`` by one of ``names``, an entity's own name and the
    others the model gives it (`TargetSchema.names_of`), singular or plural, in any case or
    spelling (``accounts``, ``Users``, ``public.invoices``, ``WebTraffic``, ``deals``): the
    source's word for what the table is. A signal beside others, never alone: a ledger's
    chart of ``accounts`` or Xero's ``contacts`` (its customers, companies) are named so too."""
    said = bare(table.rpartition(".")[2])
    return bool(said) and any(said in forms(name) for name in names)


def bare(name: str) -> str:
    """``name`` as names are compared: case folded, letters and digits only, any script."""
    return "".join(c for c in name.casefold() if c.isalnum())


@lru_cache(maxsize=4096)
def forms(name: str) -> frozenset[str]:
    """The bare forms a table called by ``name`` may take: singular and plural."""
    word = bare(name)
    if not word:
        return frozenset()
    plurals = {word, f"{word}s", f"{word}es"}
    if word.endswith("y"):
        plurals.add(f"{word[:-1]}ies")
    return frozenset(plurals)


def also_called_from_json(value: object, where: str, source: str) -> tuple[str, ...]:
    """An entity's other names as a target schema gives them (``where``: their place)."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_ALSO_CALLED:
        raise SpecError(f"{source}: {where} must be a list of at most {MAX_ALSO_CALLED} names")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not bare(name) or len(name) > MAX_NAME_CHARS:
            raise SpecError(
                f"{source}: {where}[{i}] must be a name of at most {MAX_NAME_CHARS:,} "
                "characters, with a letter or a digit"
            )
    return tuple(value)


def claimed_once(also_called: Mapping[str, Sequence[str]], source: str) -> None:
    """Refuse another name that is also a form of another entity's name or other name: a
    table called so would be named for both."""
    owners: dict[str, str] = {}
    for entity in also_called:
        for form in forms(entity):
            owners.setdefault(form, entity)
    for index, (entity, names) in enumerate(also_called.items()):
        for i, name in enumerate(names):
            for form in forms(name):
                owner = owners.setdefault(form, entity)
                if owner != entity:
                    raise SpecError(
                        f"{source}: $.entities[{index}].also_called[{i}] {name!r} names "
                        f"entity {owner!r} too"
                    )
