"""What the client calls: one API operation per `Endpoint` (method, path, response model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Endpoint(Generic[Model]):
    """One API operation the client calls: HTTP method, path (with `{name}` parameters), response model.

    `model` is None for an answer that is not JSON (the drift report's HTML).
    """

    method: str
    path: str
    model: type[Model] | None
