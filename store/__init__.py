"""The store: one interface over ClickHouse, its two backends, the schema and the named queries."""

from store.base import Store, query_df, query_rows
from store.errors import BadInput, ConfigError, QueryError, SpyglassError, StoreUnavailable, Unauthorized


def open_store(data_dir: str, clickhouse_url: str | None = None, database: str = "spyglass",
               cluster: str | None = None) -> Store:
    """Open the configured backend: a ClickHouse server when a URL is given, else chDB in `data_dir`."""
    if clickhouse_url:
        from store.server_backend import ServerStore

        return ServerStore(clickhouse_url, database, cluster)
    if cluster:
        raise ConfigError("a cluster name needs --clickhouse-url: the embedded store is one node")
    from store.chdb_backend import ChdbStore

    return ChdbStore(data_dir, database)


__all__ = ["BadInput", "ConfigError", "QueryError", "SpyglassError", "Store", "StoreUnavailable", "Unauthorized", "open_store",
           "query_df", "query_rows"]
