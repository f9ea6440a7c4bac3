"""What people type stays text: in HTML a title, a note or a post-mortem field cannot add markup, scripts or
images (the Markdown of a field is rendered, its raw HTML escaped, an image a mere link); in Markdown it cannot break a table."""

from __future__ import annotations

from datetime import datetime, timezone

from alerts.incidents.lifecycle import Milestones
from alerts.incidents.model import Event, Incident, Postmortem
from alerts.incidents.postmortem.record import IncidentRecord
from alerts.incidents.postmortem.render import html, markdown

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
TITLE = "<b>checkout</b> | fails"
FIELDS = Postmortem(summary="**Half** of checkout failed.\n\n<script>alert(1)</script>",
                    root_cause="![pixel](https://example.com/p.png) [the change](javascript:alert(1))")


def record() -> IncidentRecord:
    incident = Incident(2, TITLE, "SEV1", "triggered", "manual", Milestones(T, T), T, opened_by="ana",
                        postmortem=FIELDS)
    note = Event("n1", "INC-2", T, "note", "ana", {"text": "step | one\nstep two"})
    return IncidentRecord(incident, [note], None)


def test_html_renders_the_fields_markdown_and_escapes_everything_else():
    page = html(record(), T)
    assert "<title>Post-mortem INC-2: &lt;b&gt;checkout&lt;/b&gt; | fails</title>" in page
    assert "<p><strong>Half</strong> of checkout failed.</p>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "<img" not in page and '<a href="https://example.com/p.png">pixel</a>' in page  # a link loads nothing
    assert 'href="javascript:' not in page
    assert "<script>" not in page  # no charts without a series: no JavaScript at all


def test_markdown_keeps_typed_text_inside_its_table_cell():
    text = markdown(record())
    assert text.startswith("# Post-mortem INC-2: <b>checkout</b> \\| fails\n")
    assert "| 2026-11-20 12:00:00 | ana | step \\| one step two |" in text.split("\n")
