"""`spyglass mcp`: a Model Context Protocol server over a running Spyglass service, for coding agents and on-call
assistants (issue 18).

It is a client like the dashboard and the CLI: every answer comes from the REST API through `client.api`, with the
read key (and, with `--allow-writes`, the admin key) it was started with, so a key scoped to projects scopes the
assistant too. `server.py` builds the server; `tools/` holds the tools, one module per subject; `library.py` the
resources and the prompt; `connection.py` turns the API's refusals into tool errors a model can read.
"""
