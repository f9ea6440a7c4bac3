"""The labelled PII corpus: every redaction kind's values in realistic sentences and in GenAI JSON messages.

Each value (tests/helpers/pii_values.py) is planted twice: in a sentence as a user or an assistant writes
it, and in one of the JSON shapes the collector really redacts (the `gen_ai.input.messages` /
`gen_ai.output.messages` parts of the GenAI semantic conventions, a tool call's arguments, an OpenAI-style
message list, system instructions; ASCII-escaped by `json.dumps` or not, so a value may follow `\\n` or
`\\u00a0`). A sample knows the exact text redaction must produce: the value replaced by
`[REDACTED:<kind>]` and nothing else touched. Look-alikes (tests/helpers/pii_lookalikes.py) are planted the
same way and must come out unchanged. Deterministic: one seed, the same corpus on every run.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from tests.helpers.pii_lookalikes import FAMILIES
from tests.helpers.pii_values import GENERATORS

SEED = 17
VALUES_PER_KIND = 16
LOOKALIKES_PER_FAMILY = 24
_ANY = [
    "Please update my details: {v}.",
    "Hi team,\nhere it is: {v}\nthanks!",
    "Can you check why {v} shows up in the logs?",
    "Summarise this note for the CRM — «{v}» — keep it short.",
    "| field | value |\n|---|---|\n| ref | {v} |",
    "Zoë said the value is\u00a0{v} (copied from the portal).",
    "{v}",
    "value=`{v}`; the rest is fine",
    "(see {v}), then retry",
    "<{v}>",
    "Thanks. {v}",
]
TEMPLATES: dict[str, list[str]] = {
    "email": _ANY + ["Send the invoice to {v} and cc finance.", "From: Ann <{v}>"],
    "phone": _ANY + ["Call me back on {v} after 5pm.", "tel: {v}"],
    "card_number": _ANY + ["My card number is {v}, expiry 09/29, CVC on the back.", "charge {v} for €1 299,00"],
    "iban": _ANY + ["Wire it to IBAN {v} (BIC DEUTDEFF).", "Kontoverbindung: {v}"],
    "ipv4": _ANY + ["The request came from {v} at 10:15 UTC.", "ssh ubuntu@{v} -p 2222"],
    "ipv6": _ANY + ["client [{v}]:443 timed out", "allowlist {v} on the firewall"],
    "us_ssn": ["My SSN is {v}.", "SSN: {v}\nDOB: 1984-03-02", "social security number {v}, please keep it safe",
               "Applicant SSN#{v} — verify with payroll", '{{"ssn": "{v}"}}', "ssn={v}"],
    "uk_nino": _ANY + ["My National Insurance number is {v}.", "NI No: {v}"],
    "jwt": _ANY + ["Authorization: Bearer {v}", "the id_token was {v}; is it expired?"],
    "bearer_token": ["Authorization: {v}", "curl -H 'Authorization: {v}' https://api.example.com/v1/me",
                     "headers = {{'Authorization': '{v}'}}", "I sent {v} and got a 401.",
                     "Header was:\n{v}\nstill failing", '{{"headers": {{"Authorization": "{v}"}}}}'],
    "private_key": ["Here is the deploy key:\n{v}\nplease add it to the runner.", "{v}", "key.pem contains\n\n{v}\n",
                    "```\n{v}\n```"],
    "url_credentials": ["DATABASE_URL=postgres://{v}@db.internal:5432/orders",
                        "connect with mysql://{v}@mysql.example.net/shop", "redis url is redis://{v}@cache.prod:6379/0",
                        "clone https://{v}@git.example.com/team/repo.git",
                        "broker: amqp://{v}@rabbit.internal:5672/%2F",
                        "try mongodb+srv://{v}@cluster0.example.net/?retryWrites=true"],
    "slack_token": _ANY + ["SLACK_BOT_TOKEN={v}", "client = WebClient(token=\"{v}\")"],
    "slack_webhook": _ANY + ["curl -X POST -d '{{\"text\":\"hi\"}}' {v}", "webhook_url: {v}"],
    "stripe_key": _ANY + ["stripe.api_key = \"{v}\"", "STRIPE_SECRET_KEY={v}"],
    "google_api_key": _ANY + ["GOOGLE_API_KEY={v}",
                              "https://maps.googleapis.com/maps/api/geocode/json?key={v}&address=x"],
    "openai_key": _ANY + ["OPENAI_API_KEY={v}", "client = OpenAI(api_key=\"{v}\")", "Authorization: Bearer {v}"],
    "anthropic_key": _ANY + ["ANTHROPIC_API_KEY={v}", "x-api-key: {v}"],
    "aws_access_key_id": _ANY + ["aws_access_key_id = {v}", "export AWS_ACCESS_KEY_ID={v}"],
    "aws_secret_key": ["aws_secret_access_key = {v}", "export AWS_SECRET_ACCESS_KEY={v}", '"SecretAccessKey": "{v}",',
                       "my AWS secret access key is {v} — is that safe to paste?", "AWS secret key:\n{v}",
                       "aws_secret: '{v}'"],
    "github_token": _ANY + ["GITHUB_TOKEN={v}", "git clone https://x-access-token:{v}@github.com/org/repo.git"],
    "api_key": _ANY + ["DEEPSEEK_API_KEY={v}", "openai.api_key = '{v}'  # the router's key"],
}
LOOKALIKE_TEMPLATES = _ANY + ["Released {v} yesterday, see the changelog.", "log line: {v} processed OK",
                              "The config says {v} but nothing else."]
# The JSON shapes captured content arrives in (gen_ai.* attributes, OpenInference input.value, tool calls).
SHAPES = ("input_messages", "output_messages", "tool_call", "openai_messages", "system_instructions", "tool_arguments")


@dataclass(frozen=True)
class Sample:
    """One text to redact: `label` is the planted kind (or the look-alike family), `expected` the exact result."""

    label: str
    value: str
    shape: str  # "sentence" or one of SHAPES
    text: str
    expected: str
    pii: bool


def as_json(content: str, shape: str, ascii_only: bool) -> str:
    """`content` inside one GenAI message shape, JSON-encoded as an instrumentation does."""
    body: object
    if shape == "input_messages":
        body = [{"role": "user", "parts": [{"type": "text", "content": content}]}]
    elif shape == "output_messages":
        body = [{"role": "assistant", "parts": [{"type": "text", "content": content}], "finish_reason": "stop"}]
    elif shape == "tool_call":
        body = [{"role": "assistant", "parts": [{"type": "tool_call", "id": "call_7", "name": "create_ticket",
                                                 "arguments": {"description": content, "priority": "high"}}]}]
    elif shape == "openai_messages":
        body = [{"role": "system", "content": "You are a support assistant."}, {"role": "user", "content": content}]
    elif shape == "system_instructions":
        body = [{"type": "text", "content": content}]
    else:  # a tool call's arguments as the provider returns them: JSON text inside JSON
        body = {"name": "send_email", "arguments": json.dumps({"to": "support", "body": content})}
    return json.dumps(body, ensure_ascii=ascii_only)


def _samples(label: str, value: str, template: str, replacement: str, shape: str, ascii_only: bool,
             pii: bool) -> list[Sample]:
    sentence, expected = template.format(v=value), template.format(v=replacement)
    return [Sample(label, value, "sentence", sentence, expected, pii),
            Sample(label, value, shape, as_json(sentence, shape, ascii_only), as_json(expected, shape, ascii_only),
                   pii)]


def pii_samples() -> list[Sample]:
    """Every kind's values, each in a sentence and in a JSON message."""
    rng, out = random.Random(SEED), []
    for kind, generate in GENERATORS.items():
        seen: set[str] = set()
        while len(seen) < VALUES_PER_KIND:
            value = generate(rng)
            if value in seen:
                continue
            seen.add(value)
            templates = TEMPLATES[kind]
            out += _samples(kind, value, templates[len(seen) % len(templates)], f"[REDACTED:{kind}]",
                            SHAPES[len(seen) % len(SHAPES)], len(seen) % 2 == 0, True)
    return out


def lookalike_samples() -> list[Sample]:
    """Every look-alike family's values, each in a sentence and in a JSON message; they must survive."""
    rng, out = random.Random(SEED + 1), []
    for family, generate in FAMILIES.items():
        seen: set[str] = set()
        for attempt in range(LOOKALIKES_PER_FAMILY * 20):
            if len(seen) == LOOKALIKES_PER_FAMILY:
                break
            value = generate(rng)
            if value in seen:
                continue
            seen.add(value)
            template = LOOKALIKE_TEMPLATES[attempt % len(LOOKALIKE_TEMPLATES)]
            out += _samples(family, value, template, value, SHAPES[attempt % len(SHAPES)], attempt % 2 == 0, False)
    return out
