"""Silences: list, create, read and expire (DELETE expires: a silence's history is never deleted).

A silence belongs to the project of its `project="..."` matcher: a key scoped to projects sees, creates and
expires only those (a silence without one could mute any project's alerts: it needs a key of every project).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from alerts.durations import parse_duration
from alerts.persistence import AlertStore
from alerts.silences import Silence, expire, new_silence
from client.models.alerts import SilenceInfo, SilenceRequest, Silences
from client.models.wire import ErrorBody
from spyglass.api.context import StoreDep
from spyglass.api.scope import Scope, ScopeDep, matched_project
from spyglass.timerange import parse_time, rfc3339
from store.errors import BadInput

router = APIRouter(prefix="/api/v1/silences")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such silence"}}


def info(s: Silence, now: datetime) -> SilenceInfo:
    return SilenceInfo(id=s.id, matchers=[str(m) for m in s.matchers], starts_at=rfc3339(s.starts_at),
                       ends_at=rfc3339(s.ends_at), created_by=s.created_by, comment=s.comment,
                       expired_at=rfc3339(s.expired_at) if s.expired_at else None, updated_at=rfc3339(s.updated_at),
                       state=s.state(now))


@router.get("")
def list_silences(store: StoreDep, scope: ScopeDep, state: str | None = None) -> Silences:
    """Every silence (or those in one state: pending, active, expired), newest start first."""
    if state not in (None, "pending", "active", "expired"):
        raise BadInput(f"state: {state!r} is not pending, active or expired")
    now = datetime.now(timezone.utc)
    found = [info(s, now) for s in AlertStore(store).silences() if _visible(s, scope)]
    return Silences(silences=[s for s in found if state is None or s.state == state])


@router.post("")
def add_silence(store: StoreDep, scope: ScopeDep, body: SilenceRequest) -> SilenceInfo:
    """A new silence; refused with the reason if it has no matcher that needs a value, no author or comment,
    or ends before it starts."""
    now = datetime.now(timezone.utc)
    starts = parse_time(body.starts_at, now, "starts_at") if body.starts_at else now
    if (body.ends_at is None) == (body.duration is None):
        raise BadInput("give either ends_at or duration (such as 2h)")
    if body.ends_at is not None:
        ends = parse_time(body.ends_at, now, "ends_at")
    else:
        try:
            ends = starts + parse_duration(body.duration or "")
        except ValueError as exc:
            raise BadInput(f"duration: {exc}") from None
    silence = new_silence(body.matchers, starts, ends, body.created_by, body.comment, now)
    scope.require(matched_project(silence.matchers), "a silence")
    AlertStore(store).save_silence(silence)
    return info(silence, now)


@router.get("/{silence_id}", response_model=SilenceInfo, responses=_NOT_FOUND)
def get_silence(store: StoreDep, scope: ScopeDep, silence_id: str) -> SilenceInfo | JSONResponse:
    silence = AlertStore(store).silence(silence_id)
    return info(silence, datetime.now(timezone.utc)) if silence and _visible(silence, scope) \
        else _not_found(silence_id)


@router.delete("/{silence_id}", response_model=SilenceInfo, responses=_NOT_FOUND)
def expire_silence(store: StoreDep, scope: ScopeDep, silence_id: str) -> SilenceInfo | JSONResponse:
    """Expire a silence now (a pending one never starts); an expired one is refused."""
    db, now = AlertStore(store), datetime.now(timezone.utc)
    silence = db.silence(silence_id)
    if silence is None or not _visible(silence, scope):
        return _not_found(silence_id)
    expired = expire(silence, now)
    db.save_silence(expired)
    return info(expired, now)


def _visible(silence: Silence, scope: Scope) -> bool:
    """Whether the silence is of the key's projects (else it answers 404, as an unknown id)."""
    return scope.allows(matched_project(silence.matchers))


def _not_found(silence_id: str) -> JSONResponse:
    return JSONResponse({"error": f"no silence with id {silence_id}"}, status_code=404)
