"""`spyglass <verb>`: one module per verb family; `main` parses and dispatches."""

from spyglass.cli.main import main

__all__ = ["main"]
