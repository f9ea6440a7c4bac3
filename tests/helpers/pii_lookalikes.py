"""Deterministic generators of look-alikes: strings that resemble PII or secrets and must survive redaction.

Each family is what a bare pattern would eat: numbers of the right length or grouping that fail the
issuer's rule (Luhn, mod 97, SSA ranges, HMRC prefixes), identifiers that share a shape with an address
or a key (versions, timestamps, UUIDs, digests, ISBNs, MAC addresses), placeholders that keep a vendor's
prefix (`sk_live_your_key_here`, `AKIAXXXXXXXXXXXXXXXX`), and the non-secret relatives of secrets
(public keys and certificates, URLs without credentials, templated passwords).
"""

from __future__ import annotations

import random
import string

from tests.helpers.pii_values import ALNUM, HEX, IBAN_FORMATS, iban_check, luhn_digit, pick


def version(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}",
                       f"v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}",
                       f"10.0.{rng.randint(19041, 26100)}.{rng.randint(1000, 6000)}",
                       f"{rng.randint(3, 3)}.{rng.randint(8, 13)}.{rng.randint(0, 12)}rc{rng.randint(1, 3)}",
                       f"1.2.840.{rng.randint(10000, 999999)}"])


def timestamp(rng: random.Random) -> str:
    y, mo, d, h, mi, s = 2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), \
        rng.randint(0, 59)
    return rng.choice([f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}Z",
                       f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}.123",
                       f"{h:02d}:{mi:02d}:{s:02d}", str(rng.randint(1_700_000_000, 1_800_000_000)),
                       str(rng.randint(1_700_000_000_000, 1_800_000_000_000)),
                       str(rng.randint(1_700_000_000_000_000, 1_800_000_000_000_000)), f"{d:02d}/{mo:02d}/{y}"])


def uuid(rng: random.Random) -> str:
    return f"{pick(rng, HEX, 8)}-{pick(rng, HEX, 4)}-4{pick(rng, HEX, 3)}-{rng.choice('89ab')}{pick(rng, HEX, 3)}-" \
           f"{pick(rng, HEX, 12)}"


def order_id(rng: random.Random) -> str:
    d = lambda n: pick(rng, string.digits, n)  # noqa: E731
    return rng.choice([f"ORD-2026-{d(6)}", f"{d(8)}-{d(4)}", f"1{d(2)}-{d(7)}-{d(7)}", f"INV/{d(4)}/{d(5)}",
                       f"#{d(9)}", f"PO{d(10)}", f"1Z{pick(rng, string.ascii_uppercase + string.digits, 16)}",
                       f"978-{d(1)}-{d(2)}-{d(6)}-{d(1)}"])


def digest(rng: random.Random) -> str:
    return rng.choice([pick(rng, HEX, 40), pick(rng, HEX, 64), pick(rng, HEX, 7), pick(rng, HEX, 32),
                       f"sha256:{pick(rng, HEX, 64)}"])


def table_number(rng: random.Random) -> str:
    d = lambda n: pick(rng, string.digits, n)  # noqa: E731
    return rng.choice([f"| {d(3)} {d(3)} | {d(2)}.{d(1)} % | {d(4)} ms |", f"{d(2)} {d(3)} {d(3)}",
                       f"${rng.randint(1, 9)},{d(3)}.{d(2)}", f"+{d(1)}.{d(1)}%", f"{d(4)}x{d(3)}",
                       f"ext. {d(4)}", f"+{d(2)} more", f"CVE-2026-{d(5)}", f"{d(2)}:{d(2)}"])


def invalid_ssn(rng: random.Random) -> str:
    group, serial = f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"
    return rng.choice([f"000-{group}-{serial}", f"666-{group}-{serial}", f"{rng.randint(900, 999)}-{group}-{serial}",
                       f"{rng.randint(1, 665):03d}-00-{serial}", f"{rng.randint(1, 665):03d}-{group}-0000",
                       "078-05-1120", "219-09-9999"])


def invalid_nino(rng: random.Random) -> str:
    digits = pick(rng, string.digits, 6)
    prefix = rng.choice(["QQ", "GB", "BG", "NK", "KN", "TN", "NT", "ZZ", "DA", "FA", "AO", "IV", "UK", "AV"])
    suffix = rng.choice("ABCD")
    return rng.choice([f"{prefix}{digits}{suffix}", f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}",
                       f"AB{digits}{rng.choice('EFGZ')}"])


def invalid_card(rng: random.Random) -> str:
    body = rng.choice(["4", "51", "37", "6011"]) + pick(rng, string.digits, 14 if rng.random() < 0.8 else 13)
    body = body[:15]
    wrong = str((int(luhn_digit(body)) + rng.randint(1, 9)) % 10)
    number = body + wrong
    return " ".join(number[i:i + 4] for i in range(0, 16, 4)) if rng.random() < 0.5 else number


def invalid_iban(rng: random.Random) -> str:
    country, shape = rng.choice(IBAN_FORMATS)
    bban = "".join(rng.choice(string.digits if k == "n" else string.ascii_uppercase) for k in shape)
    good = int(iban_check(country, bban))
    return f"{country}{(good + rng.randint(1, 90)) % 97 or 1:02d}{bban}"


def not_an_address(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(256, 999)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}",
                       f"{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                       ":".join(pick(rng, HEX, 2) for _ in range(6)), "std::vector<int>", "a::b::c",
                       f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                       f"ratio {rng.randint(1, 21)}:{rng.randint(1, 9)}"])


def not_an_email(rng: random.Random) -> str:
    return rng.choice([f"icon@{rng.randint(2, 3)}x.png", f"@{rng.choice(['ann', 'ops', 'team'])}",
                       f"@dataclass(frozen={rng.choice(['True', 'False'])})", f"{rng.choice(['ann', 'bob'])}@localhost",
                       f"npm i @{rng.choice(['scope', 'acme'])}/{rng.choice(['ui', 'sdk'])}", "user at example dot com",
                       f"{rng.choice(['ann', 'bob'])}@example"])


def key_placeholder(rng: random.Random) -> str:
    x = rng.choice("xX")
    return rng.choice([f"sk-{x * 32}", "sk_live_your_key_here", f"sk_test_{x * 24}", f"AKIA{'X' * 16}",
                       f"AIzaSy{x * 33}", f"ghp_{x * 36}", "xoxb-your-bot-token", "xoxo-gossip-girl",
                       "sk-learn", f"task-{rng.randint(100, 9999)}", "github_pat_<your-token>",
                       "https://hooks.slack.com/services/T000/B000/XXXX", f"sk-ant-{'x' * 24}", "Bearer <token>",
                       "Bearer $OPENAI_API_KEY", f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI{rng.randint(1, 9)}In0"])


def public_key(rng: random.Random) -> str:
    label = rng.choice(["PUBLIC KEY", "CERTIFICATE", "RSA PUBLIC KEY", "CERTIFICATE REQUEST", "PGP PUBLIC KEY BLOCK"])
    body = "\n".join(pick(rng, ALNUM + "+/", 64) for _ in range(rng.randint(2, 5)))
    return rng.choice([f"-----BEGIN {label}-----\n{body}\n-----END {label}-----",
                       f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{pick(rng, ALNUM, 43)} "
                       f"{rng.choice(['ann', 'ci'])}@laptop"])


def plain_url(rng: random.Random) -> str:
    host = rng.choice(["api.example.com", "db.internal", "cache.prod", "grafana.example.net"])
    return rng.choice([f"https://{host}:8443/v1/chat/completions", f"postgres://{host}:5432/app",
                       "postgres://app:${DB_PASSWORD}@" + host + ":5432/app", f"redis://:<password>@{host}:6379/0",
                       "mysql://{{ .Values.user }}:{{ .Values.password }}@" + host + "/shop",
                       f"https://{host}/search?user=ann&page={rng.randint(1, 9)}", f"amqp://guest:****@{host}:5672",
                       f"http://localhost:{rng.randint(3000, 9000)}/health"])


def code(rng: random.Random) -> str:
    return rng.choice([f"git clone git@github.com:{rng.choice(['acme', 'ops'])}/repo.git",
                       f"scp build.tgz deploy@web-{rng.randint(1, 9)}.example.com:/srv/app", "ann@laptop:~$ make test",
                       f"for i in range({rng.randint(2, 99)}): total += i", f"x = 0x{pick(rng, HEX, 8)}",
                       f"SELECT * FROM calls WHERE id = {rng.randint(10**8, 10**9)}",
                       "kubectl -n prod get pods -o wide",
                       f"docker run -p {rng.randint(3000, 9000)}:80 nginx:1.27"])


def labelled_non_secret(rng: random.Random) -> str:
    return rng.choice(["aws_secret_access_key = <YOUR_SECRET_ACCESS_KEY>",
                       "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}",
                       f"aws secret access key fingerprint {pick(rng, HEX, 40)}",
                       f"SSN format is XXX-XX-XXXX (ticket {rng.randint(1000, 9999)})",
                       f"social security office {rng.randint(100, 999)} on Main St",
                       f"secret access key rotated {rng.randint(2, 30)} days ago"])


FAMILIES = {f.__name__: f for f in (
    version, timestamp, uuid, order_id, digest, table_number, invalid_ssn, invalid_nino, invalid_card, invalid_iban,
    not_an_address, not_an_email, key_placeholder, public_key, plain_url, code, labelled_non_secret)}
