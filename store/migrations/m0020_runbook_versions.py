"""`runbook_versions`: every runbook version the service has seen, kept as it was.

An incident pins `runbook_id@version`; the post-mortem must be able to show what that
version said at 3 a.m., after the file has been edited. So a row is written the first time a
(id, version) is seen, with the file's exact text and its SHA-256, and never changed; a later
file with the same (id, version) and other content is refused by the loader. Plain MergeTree:
two processes recording the same version at the same moment leave two equal rows, and readers
take the earliest (`first_seen`) of each (id, version).
"""

from store.ddl import DDL, TableSpec

NAME = "runbook_versions"

RUNBOOK_VERSIONS = TableSpec(
    name="runbook_versions",
    body="""    `id` LowCardinality(String),
    `version` String,
    `content_sha256` String,
    `body` String CODEC(ZSTD(3)),
    `path` String,
    `first_seen` DateTime64(3, 'UTC')""",
    order_by="(id, version, first_seen)",
    sharding_key="cityHash64(id)",
)


def statements(ddl: DDL) -> list[str]:
    return ddl.create_table(RUNBOOK_VERSIONS)
