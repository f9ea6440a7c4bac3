"""What decoding one OTLP request yields, whatever its signal."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from collector.decode.attributes import attribute_dict

# DateTime64(9) and Arrow's timestamp[ns] end in 2262; later times cannot be stored.
MAX_UNIX_NANO = 2**63 - 1


@dataclass
class Decoded:
    """Rows per table, ready to insert, and the items refused (reported as partial success)."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < 5:  # the message stays short; the count says how many
            self.errors.append(reason)

    @property
    def error_message(self) -> str:
        return "; ".join(self.errors)


def resource_attributes(resource, project: str | None) -> dict[str, str]:
    """The resource's attributes as strings; an ingest key's project overrides the sender's."""
    attributes = attribute_dict(resource.attributes)
    if project is not None:
        attributes["spyglass.project"] = project
    return attributes
