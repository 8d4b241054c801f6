"""The HTTP validator cache kept in the evidence database, so conditional requests survive runs."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import col

from scanner import tables as t
from scanner.remote.http import CachedResponse
from scanner.store import Store, now


class SqlCache:
    """``HttpCache`` over the ``http_cache`` table. Writers race harmlessly: last one wins."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, key: str) -> CachedResponse | None:
        with self.store.session() as session:
            row = session.execute(
                select(t.HttpCacheRow).where(col(t.HttpCacheRow.key) == key)
            ).scalar_one_or_none()
            if row is None:
                return None
            return CachedResponse(
                row.url, row.etag, row.last_modified, json.loads(row.headers_json), row.body
            )

    def put(self, key: str, entry: CachedResponse) -> None:
        values = {
            "key": key,
            "url": entry.url,
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "headers_json": json.dumps(entry.headers, sort_keys=True),
            "body": entry.body,
            "stored_at": now(),
        }
        with self.store.session() as session:
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
            statement = insert(t.HttpCacheRow).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=["key"], set_={k: v for k, v in values.items() if k != "key"}
            )
            session.execute(statement)
            session.commit()
