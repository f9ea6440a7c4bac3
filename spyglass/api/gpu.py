"""GPUs: the state of the dcgm-exporter scrape targets.

The status lives in the collector's scraper, not in the store, so it reaches this router
through `app.state.dcgm_status` (a callable the service sets after `build_api`; absent when
the process scrapes nothing, e.g. an API-only process, and then the list is empty).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(prefix="/api/v1/gpu")


@router.get("/scrape-targets")
def scrape_targets(request: Request) -> dict[str, list[dict[str, Any]]]:
    """Per dcgm-exporter target: up, last attempt/success, consecutive failures, last error, samples."""
    status = getattr(request.app.state, "dcgm_status", None)
    return {"targets": status() if status is not None else []}
