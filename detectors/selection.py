"""Which series a rule watches: the dimensions it groups by (one signal per group) and filters on.

Params carry `where` (`{dimension: [values]}`, exact match, ANDed across dimensions) and, for
grouped detectors, `group_by` (the dimensions that make a series: the labels of its signals).
Several rules of one detector share one query, so the query must return every dimension any
rule groups or filters by, and may filter only on what *every* rule filters on (union of their
values); each rule then keeps its own rows and groups in Polars. `query_selection` computes that shared selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import polars as pl
from pydantic import Field, model_validator

from detectors.base import DetectorParams


class Filtered(DetectorParams):
    """Params with `where` over the detector's `DIMENSIONS`."""

    DIMENSIONS: ClassVar[tuple[str, ...]] = ()

    where: dict[str, tuple[str, ...]] = Field(default_factory=dict, description=(
        "Only series whose dimension equals one of the values, e.g. {service: [chat-api]}."))

    @model_validator(mode="after")
    def _known_dimensions(self) -> Filtered:
        for name in (*getattr(self, "group_by", ()), *self.where):
            if name not in self.DIMENSIONS:
                raise ValueError(f"unknown dimension {name!r} (known: {', '.join(self.DIMENSIONS)})")
        for name, values in self.where.items():
            if not values:
                raise ValueError(f"where.{name}: give at least one value")
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        """The dimensions a frame must carry for these params: grouped or filtered on."""
        return _union([getattr(self, "group_by", ()), tuple(self.where)])


class Grouped(Filtered):
    """Params with `group_by` (the labels of the signals, one per group) as well."""

    group_by: tuple[str, ...] = Field((), description="Dimensions that identify a series: one signal per group.")

    @model_validator(mode="after")
    def _distinct(self) -> Grouped:
        if len(set(self.group_by)) != len(self.group_by):
            raise ValueError("group_by names a dimension twice")
        return self


def _union(parts: Sequence[Sequence[str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in parts:
        seen.update(dict.fromkeys(part))
    return tuple(seen)


def query_selection(rules: Sequence[Filtered]) -> dict[str, Any]:
    """`where` (and `group_by` for grouped params) of one query serving every rule: all the columns any rule
    groups or filters by, and only the filters every rule has (the union of their values)."""
    common = set.intersection(*(set(r.where) for r in rules)) if rules else set()
    where = {name: tuple(sorted(set().union(*(r.where[name] for r in rules)))) for name in sorted(common)}
    if rules and all(isinstance(r, Grouped) for r in rules):
        return {"group_by": _union([r.columns for r in rules]), "where": where}
    return {"where": where}


def selected(frame: pl.DataFrame, params: Filtered) -> pl.DataFrame:
    """The rows of `frame` that the params' `where` keeps."""
    for name, values in params.where.items():
        frame = frame.filter(pl.col(name).is_in(list(values)))
    return frame


def labels_of(row: dict[str, object], dimensions: Sequence[str]) -> dict[str, str]:
    """The labels of a group: its dimension values as strings."""
    return {name: "" if row[name] is None else str(row[name]) for name in dimensions}
