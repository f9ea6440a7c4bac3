"""The post-mortem as Markdown or as one self-contained HTML page, from the Jinja2 templates beside this module.

Deterministic: the same record gives the same bytes. Nothing in the output depends on when or where it was
made (no generation time, no random ids: the charts' divs have fixed ids), so a report can be diffed, cached
and checked into a repository.

Self-contained: the HTML inlines its stylesheet and Plotly's JavaScript (once, for every chart), loads no font,
script, style or image from anywhere, and so opens offline and prints (a print stylesheet drops the chart
toolbars and keeps tables and charts whole on a page). What people wrote in the post-mortem fields is Markdown:
the HTML renders it with raw HTML escaped and images left out (an image would be a request to somewhere else).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from alerts.incidents.postmortem.charts import charts
from alerts.incidents.postmortem.record import IncidentRecord
from alerts.incidents.postmortem.sections import report

FORMATS = ("md", "html")
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


def _md_cell(value: object) -> str:
    """Text that stays inside one Markdown table cell or heading line."""
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def _markdown_renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).disable("image")


def _html_markdown(text: str) -> Markup:
    return Markup(_markdown_renderer().render(text))  # raw HTML in the text is escaped by the renderer


@cache
def _environment(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("alerts.incidents.postmortem", "templates"),
                             autoescape=kind == "html", undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    filters: dict[str, Callable[[str], object]] = {"cell": _md_cell, "markdown": _html_markdown}
    env.filters.update(filters)
    return env


def markdown(record: IncidentRecord) -> str:
    return _environment("md").get_template("postmortem.md.j2").render(r=report(record))


def html(record: IncidentRecord, now: datetime) -> str:
    """The page; `now` ends the last shaded phase of an incident that is not resolved yet."""
    drawn = charts(record.series, record.incident.milestones, now) if record.series else []
    return _environment("html").get_template("postmortem.html.j2").render(
        r=report(record), charts=drawn, plotly_js=Markup(get_plotlyjs()) if drawn else "")


def render(record: IncidentRecord, fmt: str, now: datetime) -> str:
    if fmt == "md":
        return markdown(record)
    if fmt == "html":
        return html(record, now)
    raise ValueError(f"format: one of {', '.join(FORMATS)}")
