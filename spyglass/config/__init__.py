"""Spyglass's configuration: one pydantic model with a section per subject (`costs`, `gpu`, `drift`, ...),
loaded from (highest first) command-line flags, `SPYGLASS_*` environment variables, spyglass.yaml,
and defaults. Zero configuration runs.

`root.py` is the model, one module per section beside it; `loader.py` reads and validates it,
`flags.py` generates `spyglass up`'s flags from it and `reference.py` docs/configuration.md.
"""

from spyglass.config.loader import DEFAULT_CONFIG_FILE, InvalidConfiguration, load
from spyglass.config.root import ROLES, Settings

__all__ = ["DEFAULT_CONFIG_FILE", "ROLES", "InvalidConfiguration", "Settings", "load"]
