"""Deterministic generators of PII values, one per redaction kind, each in the shapes it really has.

Every value is made the way its issuer makes it (a Luhn digit for cards, mod-97 check digits for IBANs,
SSA-valid SSN ranges, HMRC-valid NINO prefixes, the vendor's prefix, alphabet and length for keys,
real base64url JSON for JWTs), from one seeded `random.Random`, so the corpus is the same on every run.
None of the secrets is real: they are random strings of the right shape.
"""

from __future__ import annotations

import base64
import json
import random
import string

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"
HEX = "0123456789abcdef"
FIRST = ["ann", "bob", "chen", "dara", "elif", "femi", "gita", "hugo", "ines", "jon", "kofi", "lena", "mateo",
         "nora", "omar", "priya", "quinn", "rosa", "sven", "tara", "ugo", "vera", "wei", "yara", "zoe"]
LAST = ["smith", "garcia", "nguyen", "okafor", "muller", "rossi", "kowalski", "tanaka", "silva", "haddad",
        "johansson", "dubois", "patel", "kim", "obrien"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "acme-corp.io", "uni.example.ac.uk", "shop.example.de",
           "example.co.jp", "bank.example.fr"]
# Country, BBAN length, BBAN alphabet by position ("n" digit, "a" upper letter, "c" either).
IBAN_FORMATS = [("DE", "n" * 18), ("GB", "aaaa" + "n" * 14), ("FR", "n" * 10 + "c" * 11 + "nn"), ("ES", "n" * 20),
                ("NL", "aaaa" + "n" * 10), ("IT", "a" + "n" * 10 + "c" * 12), ("CH", "n" * 5 + "c" * 12),
                ("BE", "n" * 12), ("PL", "n" * 24), ("IE", "aaaa" + "n" * 14)]


def pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def luhn_digit(partial: str) -> str:
    """The check digit that makes `partial` + digit pass Luhn."""
    total = 0
    for i, c in enumerate(reversed(partial)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def iban_check(country: str, bban: str) -> str:
    return f"{98 - int(''.join(str(int(c, 36)) for c in bban + country + '00')) % 97:02d}"


def _group(text: str, size: int, sep: str) -> str:
    return sep.join(text[i:i + size] for i in range(0, len(text), size))


def email(rng: random.Random) -> str:
    local = rng.choice([f"{rng.choice(FIRST)}.{rng.choice(LAST)}", f"{rng.choice(FIRST)}{rng.randint(1, 99)}",
                        f"{rng.choice(FIRST)}+{rng.choice(['work', 'news', 'billing'])}",
                        f"{rng.choice(FIRST)[0]}_{rng.choice(LAST)}", rng.choice(FIRST).upper()])
    return f"{local}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    d = lambda n: pick(rng, string.digits, n)  # noqa: E731
    return rng.choice([f"+44 20 {d(4)} {d(4)}", f"+1-{rng.randint(201, 989)}-555-{d(4)}",
                       f"+1 ({rng.randint(201, 989)}) 555-{d(4)}", f"({rng.randint(201, 989)}) 555-{d(4)}",
                       f"{rng.randint(201, 989)}-555-{d(4)}", f"{rng.randint(201, 989)}.555.{d(4)}",
                       f"+49 30 {d(6)}", f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}", f"+91 9{d(4)} {d(5)}",
                       f"+61 2 {d(4)} {d(4)}", f"+81 3-{d(4)}-{d(4)}", f"+353 1 {d(3)} {d(4)}"])


def card_number(rng: random.Random) -> str:
    prefix, length, grouping = rng.choice([("4", 16, 4), ("51", 16, 4), ("55", 16, 4), ("2221", 16, 4),
                                           ("34", 15, 0), ("37", 15, 0), ("6011", 16, 4), ("35", 16, 4),
                                           ("4", 13, 0), ("62", 19, 0)])
    body = prefix + pick(rng, string.digits, length - len(prefix) - 1)
    number = body + luhn_digit(body)
    if length == 15 and rng.random() < 0.5:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return _group(number, grouping, rng.choice([" ", "-"])) if grouping and rng.random() < 0.7 else number


def iban(rng: random.Random) -> str:
    country, shape = rng.choice(IBAN_FORMATS)
    alphabet = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}
    bban = "".join(rng.choice(alphabet[k]) for k in shape)
    compact = country + iban_check(country, bban) + bban
    return _group(compact, 4, " ") if rng.random() < 0.5 else compact


def ipv4(rng: random.Random) -> str:
    return rng.choice([f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"])


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    return rng.choice([":".join(groups), f"2001:db8:{groups[2]}::{groups[6]}:{groups[7]}",
                       f"fe80::{groups[4]}:{groups[5]}:{groups[6]}:{groups[7]}", "::1",
                       f"2a00:1450:{groups[2]}:{groups[3]}::200e"])


def us_ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    number = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    sep = rng.choice(["-", "-", "-", " ", ""])
    return f"{number[:3]}{sep}{number[3:5]}{sep}{number[5:]}"


def uk_nino(rng: random.Random) -> str:
    letters = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
    while (prefix := rng.choice(letters) + rng.choice([c for c in letters if c != "O"])) in (
            "BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
        pass
    digits, suffix = pick(rng, string.digits, 6), rng.choice("ABCD")
    return f"{prefix} {_group(digits, 2, ' ')} {suffix}" if rng.random() < 0.4 else f"{prefix}{digits}{suffix}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {"sub": str(rng.randint(10**6, 10**9)), "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
               "iat": 1764000000 + rng.randint(0, 10**6), "scope": rng.choice(["read", "read write", "admin"])}
    signature = bytes(rng.randint(0, 255) for _ in range(rng.choice([32, 64])))
    return ".".join([_b64url(json.dumps(header).encode()), _b64url(json.dumps(payload).encode()), _b64url(signature)])


def bearer_token(rng: random.Random) -> str:
    token = rng.choice([pick(rng, ALNUM, 40), f"ya29.{pick(rng, URLSAFE, 60)}",
                        "-".join(pick(rng, HEX, n) for n in (8, 4, 4, 4, 12)),
                        f"{pick(rng, ALNUM, 24)}.{pick(rng, ALNUM, 16)}", pick(rng, ALNUM + "~+/", 32) + "=="])
    return f"{rng.choice(['Bearer', 'bearer', 'BEARER'])} {token}"


def private_key(rng: random.Random) -> str:
    label = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                        "ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK"])
    body = "\n".join(pick(rng, ALNUM + "+/", 64) for _ in range(rng.randint(3, 9)))
    return f"-----BEGIN {label}-----\n{body}\n{pick(rng, ALNUM + '+/', 20)}==\n-----END {label}-----"


def url_credentials(rng: random.Random) -> str:
    user = rng.choice(["admin", "svc_etl", "app", rng.choice(FIRST), "postgres", "", "deploy-bot"])
    return f"{user}:{rng.choice(ALNUM)}{pick(rng, ALNUM + '!$%^&*-_.~', rng.randint(9, 23))}"


def slack_token(rng: random.Random) -> str:
    d = lambda n: pick(rng, string.digits, n)  # noqa: E731
    return rng.choice([f"xoxb-{d(12)}-{d(13)}-{pick(rng, ALNUM, 24)}",
                       f"xoxp-{d(11)}-{d(10)}-{d(11)}-{pick(rng, HEX, 32)}",
                       f"xoxb-{d(12)}-{pick(rng, ALNUM, 24)}", f"xoxs-{d(10)}-{d(10)}-{d(10)}-{pick(rng, HEX, 10)}",
                       f"xoxa-2-{d(9)}-{d(11)}-{d(13)}-{pick(rng, HEX, 18)}", f"xoxe-1-{pick(rng, ALNUM, 146)}",
                       f"xapp-1-A{pick(rng, string.ascii_uppercase + string.digits, 10)}-{d(13)}-{pick(rng, HEX, 64)}"])


def slack_webhook(rng: random.Random) -> str:
    upper = string.ascii_uppercase + string.digits
    return rng.choice([f"https://hooks.slack.com/services/T{pick(rng, upper, 8)}/B{pick(rng, upper, 8)}/"
                       f"{pick(rng, ALNUM, 24)}",
                       f"https://hooks.slack.com/workflows/T{pick(rng, upper, 10)}/A{pick(rng, upper, 10)}/"
                       f"{pick(rng, string.digits, 18)}/{pick(rng, ALNUM, 24)}"])


def stripe_key(rng: random.Random) -> str:
    return f"{rng.choice(['sk', 'rk'])}_{rng.choice(['live', 'test'])}_{pick(rng, ALNUM, rng.choice([24, 99]))}"


def google_api_key(rng: random.Random) -> str:
    return "AIzaSy" + pick(rng, URLSAFE, 33)


def openai_key(rng: random.Random) -> str:
    half = rng.choice([58, 74])
    return rng.choice([f"sk-proj-{pick(rng, URLSAFE, half)}T3BlbkFJ{pick(rng, URLSAFE, half)}",
                       f"sk-svcacct-{pick(rng, URLSAFE, 74)}T3BlbkFJ{pick(rng, URLSAFE, 74)}",
                       f"sk-admin-{pick(rng, URLSAFE, 58)}T3BlbkFJ{pick(rng, URLSAFE, 58)}",
                       f"sk-{pick(rng, ALNUM, 20)}T3BlbkFJ{pick(rng, ALNUM, 20)}"])


def anthropic_key(rng: random.Random) -> str:
    kind = rng.choice(["api03", "api03", "admin01", "oat01"])
    return f"sk-ant-{kind}-{pick(rng, URLSAFE, 93)}AA"


def aws_access_key_id(rng: random.Random) -> str:
    return rng.choice(["AKIA", "AKIA", "ASIA"]) + pick(rng, string.ascii_uppercase + "234567", 16)


def aws_secret_key(rng: random.Random) -> str:
    return pick(rng, ALNUM + "/+", 40)


def github_token(rng: random.Random) -> str:
    return rng.choice([f"{rng.choice(['ghp', 'gho', 'ghu', 'ghs', 'ghr'])}_{pick(rng, ALNUM, 36)}",
                       f"github_pat_{pick(rng, ALNUM, 22)}_{pick(rng, ALNUM, 59)}"])


def api_key(rng: random.Random) -> str:
    return rng.choice([f"sk-{pick(rng, HEX, 32)}", f"sk-{pick(rng, ALNUM, 48)}", f"sk-or-v1-{pick(rng, HEX, 64)}"])


GENERATORS = {f.__name__: f for f in (
    email, phone, card_number, iban, ipv4, ipv6, us_ssn, uk_nino, jwt, bearer_token, private_key, url_credentials,
    slack_token, slack_webhook, stripe_key, google_api_key, openai_key, anthropic_key, aws_access_key_id,
    aws_secret_key, github_token, api_key)}
