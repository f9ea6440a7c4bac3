"""`maintenance:` settings: the store's housekeeping jobs."""

from __future__ import annotations

from pydantic import Field

from spyglass.config.section import Section


class MaintenanceSettings(Section):
    compaction_interval_seconds: int = Field(600, gt=0, description=(
        "How often closed days of the FINAL-read tables are merged into one part each, so reads stay fast."))
