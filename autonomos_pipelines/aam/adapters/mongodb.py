"""MongoDB collections through pymongo: documents in _id order (or by an incremental field),
BSON values made JSON-friendly, nested documents and arrays left to dlt to flatten into
columns (a__b) and child tables, as dlt does for any nested JSON."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import dlt
from dlt.extract.source import DltSource

from autonomos_pipelines.aam.adapters.incremental import cursor_resource
from autonomos_pipelines.aam.connections.connection import Connection
from autonomos_pipelines.aam.specs.spec_model import MongoCollection, MongoSpec

BATCH = 1000


def plain(value: Any) -> Any:
    """ObjectId -> str, Decimal128 -> Decimal; containers recursively."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, str | int | float | bool | datetime) or value is None:
        return value
    if type(value).__name__ == "Decimal128":
        return Decimal(str(value))
    return str(value)


def open_client(connection: Connection, url: str) -> Any:
    """A pymongo client, unless the connection brings its own (the sandbox's in-memory one)."""
    if connection.open_client is not None:
        return connection.open_client(url)
    import pymongo

    return pymongo.MongoClient(url, serverSelectionTimeoutMS=5000, tz_aware=True)


def mongo_source(spec: MongoSpec, connection: Connection) -> DltSource:
    url = connection.secret(spec.connection_url.secret)

    def documents(item: MongoCollection, since: Any) -> Iterator[list[dict[str, Any]]]:
        collection = open_client(connection, url)[spec.database][item.name]
        query = {item.incremental_field: {"$gte": since}} if since is not None else {}
        order = item.incremental_field or "_id"
        batch: list[dict[str, Any]] = []
        for document in collection.find(query).sort([(order, 1), ("_id", 1)]):
            batch.append(plain(document))
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def resource(item: MongoCollection) -> Any:
        return cursor_resource(
            item.table, "_id", item.incremental_field, None, lambda since: documents(item, since)
        )

    @dlt.source(name=spec.name)
    def mongodb() -> list[Any]:
        return [resource(item) for item in spec.collections]

    return mongodb()
