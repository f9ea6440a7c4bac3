"""The built-in PII and secret patterns the redactor applies, in order, and where each one comes from.

Vendor secrets follow the rules of gitleaks (github.com/gitleaks/gitleaks, cmd/generate/config/rules/:
aws.go, aws_secret.go, anthropic.go, gcp.go, github.go, jwt.go, openai.go, privatekey.go, slack.go,
stripe.go) and Yelp's detect-secrets plugins (aws.py, basic_auth.py, openai.py, private_key.py,
stripe.py): the prefixes, alphabets, lengths and entropy thresholds are theirs; the regular expressions
are rewritten for Python's `re` and for text that is often JSON-encoded. National identifiers follow the
issuers' rules as python-stdnum encodes them (see pii_checks.py). Where we depart from a source it says so.

Two facts of the content this runs on shape every pattern:

- It is often JSON (`gen_ai.input.messages`), so a value can follow an escape: `\\n`, `\\"`, `\\u00a0`.
  A pattern's left boundary ("not preceded by a word character") therefore also accepts a JSON escape
  just before the value (`_first`), or every secret on the second line of a message would be missed.
- Speed: the collector runs these on every captured message. A pattern whose first character is a
  literal or a class lets `re` skip ahead between candidates, so the boundary is checked after the first
  character (`\\d(?<![\\w.].)` is "a digit not preceded by a word character or a dot"), and patterns of
  vendor secrets carry `needles`: literal strings of which one must occur before the regex is tried.

`secret` (a named group): only that part is replaced, so the context that found it stays readable
(`aws_secret_access_key = [REDACTED:aws_secret_key]`, `postgres://[REDACTED:url_credentials]@db:5432`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from collector.normalise.pii_checks import (
    aws_secret_valid,
    card_valid,
    iban_valid,
    ip_valid,
    min_entropy,
    nino_valid,
    not_placeholder,
    phone_digits_ok,
    ssn_valid,
)


@dataclass(frozen=True)
class Pattern:
    """One shape of one kind of PII: what it looks like, and (optionally) the check a match must pass.

    `check` gets the `secret` group when the regex has one, else the whole match. `needles`: strings of
    which one must occur in the text for the pattern to be tried at all (a C-speed `in` before a regex scan).
    """

    kind: str
    regex: str
    check: Callable[[str], bool] | None = None
    needles: tuple[str, ...] = ()


def _first(first: str, not_after: str, width: int = 1, ahead: str = "") -> str:
    """`first` (a literal or a class, `width` characters) not preceded by a character of `not_after` (a class
    body, `-` escaped) nor by a backslash, unless the backslash starts a JSON escape (`\\n`, `\\u00a0`).

    For speed the cheap checks come first: `re` jumps to candidates for `first`, then `ahead` (a lookahead
    that most candidates fail at once, such as "two more digits"), then the usual case of the look-behind.
    """
    lookahead = f"(?={ahead})" if ahead else ""
    return (rf"{first}{lookahead}(?:(?<![{not_after}\\].{{{width}}})|(?<=\\[nrtbf].{{{width}}})"
            rf"|(?<=\\u[0-9A-Fa-f]{{4}}.{{{width}}}))")


def _opaque(token: str) -> bool:
    """A bearer token is random: letters and digits, or long and varied (not `Bearer authentication-is-...`)."""
    value = token.split()[-1]
    return (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)) or min_entropy(3.9)(value)


# Separators between a label and its value: spaces, quotes (also JSON-escaped), `:`, `=`, `=>`, "is".
_SAID = r"""(?:[\s"'`:=>,(#]|\\[nrt"\\]?|is\b|was\b){1,16}"""
_PEM = r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
_PEM_END = r"-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
_PHONE_END = r"(?![\w-])"
_SECRET_CHECK = min_entropy(3.0)

# Order matters: earlier patterns are replaced first, most specific first (whole credentials, vendor
# tokens, then generic tokens, then identifiers and numbers), so a JWT is not half-eaten by the phone
# pattern and `Bearer sk-proj-...` is an OpenAI key rather than an anonymous bearer token.
DEFAULT_PATTERNS: tuple[Pattern, ...] = (
    # gitleaks private-key / detect-secrets PrivateKeyDetector; a block cut short (no END line) is redacted
    # to the end of its base64 body. 16 KB bounds the search for the END line (an RSA-8192 key is ~6.5 KB).
    Pattern("private_key", _PEM + rf"(?:[\s\S]{{0,16384}}?{_PEM_END}|(?:[A-Za-z0-9+/=\s:,-]|\\[nr]){{0,16384}})",
            needles=("PRIVATE KEY",)),
    # gitleaks slack-webhook-url.
    Pattern("slack_webhook", r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,}",
            needles=("hooks.slack.com",)),
    # gitleaks slack-bot/user/legacy(-bot)/workspace/config/refresh tokens (one alternation) and app tokens.
    Pattern("slack_token", _first("xox", r"\w\-", 3)
            + r"(?:(?:[abposre]-(?:\d-)?\d{6,13}-[0-9A-Za-z][0-9A-Za-z-]{8,}"
            r"|[ar]-(?:\d-)?[0-9A-Za-z]{8,48}(?![0-9A-Za-z-])|e-\d-[0-9A-Za-z]{100,}|e\.xox[bp]-\d-[0-9A-Za-z]{100,}))",
            _SECRET_CHECK, needles=("xox",)),
    Pattern("slack_token", _first("xapp-", r"\w\-", 5) + r"\d-[A-Z0-9]+-\d+-[a-z0-9]+", _SECRET_CHECK,
            needles=("xapp-",)),
    # gitleaks stripe-access-token (secret `sk_` and restricted `rk_` keys; publishable `pk_` keys are public).
    Pattern("stripe_key", _first("[sr]k_", r"\w", 3) + r"(?:test|live|prod)_[0-9A-Za-z]{10,99}(?![0-9A-Za-z])",
            min_entropy(3.5), needles=("k_live_", "k_test_", "k_prod_")),
    # gitleaks gcp-api-key.
    Pattern("google_api_key", _first("AIza", r"\w\-", 4) + r"[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", min_entropy(3.5),
            needles=("AIza",)),
    # gitleaks anthropic-api-key / admin / oauth: `sk-ant-<type><nn>-`; any length from 20 characters on
    # (gitleaks requires the full 93+AA shape; a truncated key in a chat is still a key).
    Pattern("anthropic_key", _first("sk-ant-", r"\w\-", 7) + r"[0-9A-Za-z_-]{20,}", _SECRET_CHECK,
            needles=("sk-ant-",)),
    # gitleaks openai-api-key: project, service-account and admin keys by prefix (any length from 20 on),
    # legacy user keys by their `T3BlbkFJ` marker (base64 of "OpenAI").
    Pattern("openai_key", _first("sk-", r"\w\-", 3) + r"(?:(?:proj|svcacct|admin)-[0-9A-Za-z_-]{20,}"
            r"|[0-9A-Za-z]{20}T3BlbkFJ[0-9A-Za-z]{20}(?![0-9A-Za-z]))", _SECRET_CHECK,
            needles=("sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ")),
    # Other `sk-` keys (DeepSeek, Moonshot, OpenRouter, OpenAI keys without the marker, ...).
    Pattern("api_key", _first("sk-", r"\w\-", 3) + r"(?:[A-Za-z0-9]+-)*[A-Za-z0-9_]{20,}(?![\w-])", _SECRET_CHECK,
            needles=("sk-",)),
    # gitleaks github-pat / oauth / app-token / refresh-token / fine-grained-pat.
    Pattern("github_token", _first("gh[pousr]_", r"\w", 4) + r"[0-9A-Za-z]{36,255}(?![0-9A-Za-z_])", _SECRET_CHECK,
            needles=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    Pattern("github_token", _first("github_pat_", r"\w", 11) + r"\w{82}(?!\w)", _SECRET_CHECK,
            needles=("github_pat_",)),
    # gitleaks aws-access-token (access key ids; the documentation's AKIA...EXAMPLE is redacted too).
    Pattern("aws_access_key_id", _first("(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)", r"\w", 4)
            + r"[A-Z0-9]{16}(?![A-Za-z0-9])", _SECRET_CHECK, needles=("AKIA", "ASIA", "ABIA", "ACCA", "A3T")),
    # gitleaks aws-secret-access-key is a sub-rule (40 base64 characters, entropy 3) found next to its
    # label; detect-secrets reads it off `= '<40 chars>'`. Here: after a label naming it, 40 characters.
    Pattern("aws_secret_key", _first("[AaSs]", "A-Za-z0-9")
            + r"(?i:(?<=a)ws[_ .-]?secret(?:[_ .-]?access)?(?:[_ .-]?key)?|(?<=s)ecret[_ .-]?access[_ .-]?key)"
            + _SAID + r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])", aws_secret_valid,
            needles=("ecret", "ECRET")),
    # detect-secrets BasicAuthDetector (`://user:password@`); templates like ${DB_PASSWORD} are not secrets.
    # After the vendor tokens, so `https://x-access-token:ghp_...@github.com` names the token's kind.
    Pattern("url_credentials", r"""://(?<=[A-Za-z0-9]://)(?P<secret>[^\s:/?#@"'<>\\\[\]]*:[^\s/?#@"'<>\\\[\]]+)@"""
            r"(?=[A-Za-z0-9\[])", not_placeholder, needles=("://",)),
    # gitleaks jwt: header and payload are base64url JSON objects (`eyJ`), then a signature.
    Pattern("jwt", _first("eyJ", r"\w\-", 3) + r"[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}",
            needles=("eyJ",)),
    Pattern("bearer_token", _first("[Bb](?i:earer)", r"\w", 6) + r"\s+[A-Za-z0-9._~+/-]{16,}=*", _opaque,
            needles=("earer", "EARER")),
    # A JSON escape just before the address is skipped; not an SSH remote or an scp target
    # (`git@github.com:org/repo.git`, `deploy@web.example.com:/srv`). The local part is at most 64 characters
    # (RFC 5321), which also keeps a long run like `a.a.a.…` from costing a scan per dot.
    Pattern("email", r"\b(?:(?<=\\)[nrtbf]|(?<=\\)u[0-9A-Fa-f]{4})?"
            r"(?P<secret>[A-Za-z0-9._%+-]{1,64}@[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
            r"(?!\.[A-Za-z0-9-]|:[\w~/.-]))", needles=("@",)),
    Pattern("iban", _first("[A-Z]", r"\w", ahead=r"[A-Z]\d\d")
            + r"[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", iban_valid),
    # SSA rules (pii_checks.ssn_valid). Dashed on its own; spaced or bare nine digits only after a label,
    # where a phone or an order number would otherwise be taken for one.
    Pattern("us_ssn", _first("[Ss]", r"\w") + r"(?i:sn#?|ocial[ -]security(?:[ -](?:number|no\.?|#))?)" + _SAID
            + r"(?P<secret>\d{3}(?P<sep>[- ]?)\d{2}(?P=sep)\d{4})(?![\w-])", ssn_valid,
            needles=("SSN", "ssn", "Ssn", "ocial", "OCIAL")),
    Pattern("us_ssn", _first(r"\d\d\d-", r"\w.+\-", 4) + r"\d{2}-\d{4}(?![\w-]|\.\d)", ssn_valid),
    # HMRC NIM39110 (pii_checks.nino_valid): two letters, six digits in optional pairs, a suffix A-D.
    Pattern("uk_nino", _first("[A-Z]", r"\w", ahead=r"[A-Z] ?\d\d") + r"[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)",
            nino_valid),
    Pattern("card_number", _first(r"\d", r"\w.\-", ahead=r"[ -]?\d[ -]?\d") + r"(?:[ -]?\d){12,18}(?![\w-]|\.\d)",
            card_valid),
    Pattern("ipv6", _first("[0-9A-Fa-f:]", r"\w:.", ahead="[0-9A-Fa-f]{0,4}:")
            + r"(?:[0-9A-Fa-f]{0,4}:){1,7}[0-9A-Fa-f]{0,4}(?![\w:])", ip_valid, needles=(":",)),
    Pattern("ipv4", _first(r"\d", r"\w.", ahead=r"\d{0,2}\.") + r"\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\w|\.\d)",
            ip_valid, needles=(".",)),
    Pattern("phone", _first(r"\+", r"\w+\-") + r"\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
            + _PHONE_END, phone_digits_ok, needles=("+",)),
    Pattern("phone", _first(r"\(", r"\w+\-") + r"\d{3}\) ?\d{3}[ .-]\d{4}" + _PHONE_END, needles=("(",)),
    Pattern("phone", _first(r"\d", r"\w+\-", ahead=r"\d{2}[.-]") + r"\d{2}[.-]\d{3}[.-]\d{4}" + _PHONE_END),
)
KINDS: tuple[str, ...] = tuple(dict.fromkeys(p.kind for p in DEFAULT_PATTERNS))
