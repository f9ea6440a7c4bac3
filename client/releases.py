"""The client's release calls: changes (list, read, report), a change's verdicts, and the comparison of two versions.
`ApiClient` (client/api.py) mixes them in; its endpoint table includes `RELEASE_ENDPOINTS`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from client.endpoint import Endpoint
from client.models.changes import Change, Changes, ChangeVerdicts, ReportChange
from client.models.compare import Comparison
from client.transport import Transport

CHANGES = Endpoint("GET", "/api/v1/changes", Changes)
REPORT_CHANGE = Endpoint("POST", "/api/v1/changes", Change)
CHANGE = Endpoint("GET", "/api/v1/changes/{change_id}", Change)
CHANGE_VERDICTS = Endpoint("GET", "/api/v1/changes/{change_id}/verdicts", ChangeVerdicts)
COMPARE = Endpoint("GET", "/api/v1/compare", Comparison)
RELEASE_ENDPOINTS: tuple[Endpoint[Any], ...] = (CHANGES, REPORT_CHANGE, CHANGE, CHANGE_VERDICTS, COMPARE)


@dataclass(frozen=True)
class CompareQuery:
    """Which versions GET /api/v1/compare judges: `by` (service_version, prompt_version, model, provider), the two
    values, the candidate window (`since`/`until` as the API accepts them), the baseline window when it differs,
    and filters both sides share (empty: all)."""

    by: str
    baseline: str
    candidate: str
    since: str = "24h"
    until: str | None = None
    baseline_since: str | None = None
    baseline_until: str | None = None
    projects: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    prompt_names: tuple[str, ...] = ()

    def params(self) -> list[tuple[str, str]]:
        optional = (("until", self.until), ("baseline_since", self.baseline_since),
                    ("baseline_until", self.baseline_until))
        pairs = [("by", self.by), ("baseline", self.baseline), ("candidate", self.candidate), ("since", self.since),
                 *((name, value) for name, value in optional if value)]
        for name, values in (("project", self.projects), ("service", self.services), ("model", self.models),
                             ("prompt_name", self.prompt_names)):
            pairs.extend((name, value) for value in values)
        return pairs


class ReleaseCalls(Transport):
    def changes(self, since: str | None = None, until: str | None = None, limit: int = 500,
                **filters: str | None) -> Changes:
        """Changes newest first; `filters` are exact matches on project, service, kind, source or model."""
        params = [(name, value) for name, value in (("since", since), ("until", until), *filters.items()) if value]
        return self._get(CHANGES, [*params, ("limit", str(limit))])

    def report_change(self, body: ReportChange) -> Change:
        """Record a change (admin key); with an `id` already recorded, the change first recorded under it."""
        return self._parse(REPORT_CHANGE, self._request(
            REPORT_CHANGE, [], body.model_dump(mode="json", by_alias=True, exclude_none=True)))

    def change(self, change_id: str) -> Change:
        return self._get(CHANGE, [], {"change_id": change_id})

    def change_verdicts(self, change_id: str, limit: int = 100) -> ChangeVerdicts:
        """The change and its canary analysis runs, newest first, each with the comparison it judged by."""
        return self._get(CHANGE_VERDICTS, [("limit", str(limit))], {"change_id": change_id})

    def compare(self, query: CompareQuery) -> Comparison:
        """The candidate judged against the baseline (GET /api/v1/compare): per metric values, difference with its
        95 % interval, p-values and outcome; a score and a verdict."""
        return self._get(COMPARE, query.params())
