"""`python -m spyglass.cli`: the same as the `spyglass` command."""

import sys

from spyglass.cli.main import main

sys.exit(main())
