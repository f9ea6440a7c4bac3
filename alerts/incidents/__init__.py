"""Incidents (issue 14): opened from alert groups or by hand, pinned to the runbook version their rule named,
with an append-only timeline, an impact computed from the store and editable post-mortem fields.

    lifecycle.py  the status state machine (pure)       model.py     the incident and its parts
    impact.py     impact numbers from window counts     timeline.py  the timeline's event kinds
    book.py       incidents and events in the store     desk.py      every change: open, transition, edit
    opener.py     the alert engine's hook               metrics.py   time to detect/ack/mitigate/resolve
"""
