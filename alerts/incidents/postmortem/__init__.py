"""Post-mortem reports (issue 14): an incident written up in Markdown or as one self-contained HTML page.

    record.py    what a report is written from, read once (the only I/O)
    series.py    the charts' window, buckets and numbers           charts.py   the Plotly charts
    sections.py  the sections as text, with prompts for empty fields (detection.py, changes.py, runbook.py, units.py,
                 parts.py)
    render.py    the Jinja2 templates of templates/ into Markdown or HTML
"""
