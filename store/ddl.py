"""Render table and view DDL for one node or for a cluster.

On one node a table is what it says. With a cluster name every statement gets
`ON CLUSTER`, the data lives in `<name>_local` with the Replicated variant of its engine,
and `<name>` becomes a `Distributed` table over it, so every query and insert names the
same table either way. Materialised views run per shard, from local table to local table.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.base import quote_identifier as q


@dataclass(frozen=True)
class TableSpec:
    """One table: its body (columns, indexes), engine and layout."""

    name: str
    body: str
    order_by: str
    engine: str = "MergeTree"
    engine_args: tuple[str, ...] = ()
    partition_by: str | None = None
    primary_key: str | None = None
    ttl: str | None = None
    settings: str = "index_granularity = 8192"
    sharding_key: str = "rand()"


@dataclass(frozen=True)
class DDL:
    """Where DDL goes: the database and, for a cluster, its name."""

    database: str
    cluster: str | None = None

    @property
    def on_cluster(self) -> str:
        return f" ON CLUSTER {q(self.cluster)}" if self.cluster else ""

    def local(self, name: str) -> str:
        """The name of the table that holds the rows (the shard-local table on a cluster)."""
        return f"{name}_local" if self.cluster else name

    def create_table(self, spec: TableSpec) -> list[str]:
        engine, args = spec.engine, list(spec.engine_args)
        if self.cluster:
            zk_path = f"'/clickhouse/tables/{{shard}}/{self.database}/{self.local(spec.name)}'"
            engine, args = f"Replicated{engine}", [zk_path, "'{replica}'", *args]
        layout = [f"ENGINE = {engine}({', '.join(args)})"]
        if spec.partition_by:
            layout.append(f"PARTITION BY {spec.partition_by}")
        if spec.primary_key:
            layout.append(f"PRIMARY KEY {spec.primary_key}")
        layout.append(f"ORDER BY {spec.order_by}")
        if spec.ttl:
            layout.append(f"TTL {spec.ttl}")
        layout.append(f"SETTINGS {spec.settings}")
        statements = [
            f"CREATE TABLE IF NOT EXISTS {q(self.local(spec.name))}{self.on_cluster}\n(\n{spec.body}\n)\n"
            + "\n".join(layout)
        ]
        if self.cluster:
            statements.append(
                f"CREATE TABLE IF NOT EXISTS {q(spec.name)}{self.on_cluster} AS {q(self.local(spec.name))}\n"
                f"ENGINE = Distributed({q(self.cluster)}, {q(self.database)}, {q(self.local(spec.name))}, "
                f"{spec.sharding_key})"
            )
        return statements

    def add_column(self, table: str, column: str, after: str) -> list[str]:
        """Add a column to a table (and, on a cluster, to its Distributed front)."""
        names = [self.local(table), table] if self.cluster else [table]
        return [f"ALTER TABLE {q(name)}{self.on_cluster} ADD COLUMN IF NOT EXISTS {column} AFTER {q(after)}"
                for name in names]

    def add_index(self, table: str, index: str) -> list[str]:
        """Add a data-skipping index to the table that holds the rows."""
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} ADD INDEX IF NOT EXISTS {index}"]

    def modify_codec(self, table: str, column: str, codec: str) -> list[str]:
        """Compress a column differently from now on (metadata only: parts are recompressed as they merge)."""
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} MODIFY COLUMN {q(column)} CODEC({codec})"]

    def modify_ttl(self, table: str, expression: str) -> list[str]:
        """Set the table's TTL (on the table that holds the rows)."""
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} MODIFY TTL {expression}"]

    def remove_ttl(self, table: str) -> list[str]:
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} REMOVE TTL"]

    def modify_settings(self, table: str, settings: str) -> list[str]:
        """Change MergeTree settings (`name = value, ...`) of the table that holds the rows."""
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} MODIFY SETTING {settings}"]

    def materialize_index(self, table: str, index: str) -> list[str]:
        """Build an added index for the parts written before it (a background mutation)."""
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} MATERIALIZE INDEX {q(index)}"]

    def materialize_column(self, table: str, column: str) -> list[str]:
        """Write an added column's DEFAULT into the parts written before it (a background mutation), so they
        stop computing it at read time."""
        return [f"ALTER TABLE {q(self.local(table))}{self.on_cluster} MATERIALIZE COLUMN {q(column)}"]

    def create_materialized_view(self, name: str, target: str, select: str) -> list[str]:
        """`select` names its source table as `{source}` placeholders resolved per layout."""
        return [
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {q(name)}{self.on_cluster} "
            f"TO {q(self.local(target))}\nAS {select}"
        ]

    def create_view(self, name: str, select: str) -> list[str]:
        """A plain view. `select` names tables by their front names (Distributed on a cluster), so
        the view answers on any node."""
        return [f"CREATE VIEW IF NOT EXISTS {q(name)}{self.on_cluster} AS\n{select}"]

    def drop_view(self, name: str) -> list[str]:
        return [f"DROP VIEW IF EXISTS {q(name)}{self.on_cluster} SYNC"]

    def source(self, name: str) -> str:
        """How a view's SELECT names a table it reads from."""
        return q(self.local(name))
