"""Trace-level jobs: the per-trace summaries the trace list reads (summary_job.py)."""
