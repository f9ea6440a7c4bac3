"""Releases (issue 15): every change in the fleet recorded, and a statistical verdict on each.

Detected and reported changes (`changes`), the comparison of two versions' calls (pure statistics over
frames the store reads), and the scheduled canary analysis whose verdicts (`change_verdicts`) the
`change_regression` detector, incidents and post-mortems read.
"""
