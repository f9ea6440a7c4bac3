"""The REST API's wire models: one definition of every response, shared by the API and its client.

The API (spyglass/api) declares these as its response models, so the OpenAPI document at /docs
describes exactly what is sent; the client parses responses with the same classes, so a field
the API renames breaks a test instead of a dashboard page. They live in `client` because the
client may import nothing of ours, while the API may import the client. One module per
subject; `wire.py` holds what they share (exact decimals, timestamps).
"""
