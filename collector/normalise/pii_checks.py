"""The checks a redaction pattern's match must pass: pure functions from the matched text to yes/no.

A bare regular expression cannot tell a card number from an order id, or an SSN from a part number;
a checksum or an issuing rule can. Each check here is the published rule of one identifier, so a
look-alike that breaks the rule survives redaction:

- payment cards: a card network's issuer prefix and the Luhn check digit (ISO/IEC 7812), 13 to 19 digits;
- IBAN: ISO 13616 mod 97;
- US SSN: the Social Security Administration's never-issued ranges (area 000, 666 and 900-999,
  group 00, serial 0000) and the numbers known to be void, as python-stdnum's `stdnum.us.ssn` lists them;
- UK National Insurance number: HMRC's prefix rules (National Insurance Manual NIM39110, as
  python-stdnum and scrubadub apply them): neither letter D, F, I, Q, U or V, the second not O, the
  prefixes BG, GB, KN, NK, NT, TN and ZZ never allocated, the suffix A to D;
- secrets: enough Shannon entropy that a placeholder (`AKIAXXXXXXXXXXXXXXXX`, `sk-xxxx...`) is not
  taken for a key, the way gitleaks' rules set an `entropy` threshold.
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from collections.abc import Callable

# Void SSNs: printed on a wallet insert (078-05-1120) or used in advertising (python-stdnum's list).
_VOID_SSNS = frozenset({"078051120", "219099999", "457555462"})
_NINO_BAD_LETTERS = frozenset("DFIQUV")
_NINO_UNALLOCATED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def card_valid(text: str) -> bool:
    """A payment card number: a card network's prefix (ISO/IEC 7812 issuer identification: Visa 4,
    Mastercard 51-55 and 2221-2720, Amex 34/37, JCB 35, Diners 30/36/38, Maestro 50/56-59, Discover,
    UnionPay and others 6) and the Luhn check. The prefix keeps 13-digit epoch milliseconds (1...) and
    ISBNs (978...) that happen to pass Luhn from being taken for cards."""
    digits = "".join(c for c in text if c.isdigit())
    network = digits[:1] in ("4", "5", "6") or (digits[:1] == "3" and digits[1:2] in "045678") \
        or "2221" <= digits[:4] <= "2720"
    return network and luhn_valid(digits)


def luhn_valid(text: str) -> bool:
    """The Luhn check of payment card numbers (separators ignored), 13 to 19 digits."""
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    compact = "".join(text.split()).upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def ip_valid(text: str) -> bool:
    """An address `ipaddress` accepts (so 999.1.1.1 and `a::b::c` are not addresses)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def phone_digits_ok(text: str) -> bool:
    """E.164 allows at most 15 digits; fewer than 8 is a short code or a number of something else."""
    return 8 <= sum(c.isdigit() for c in text) <= 15


def ssn_valid(text: str) -> bool:
    """A US Social Security number the SSA could have issued (separators ignored)."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) != 9 or digits in _VOID_SSNS:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def nino_valid(text: str) -> bool:
    """A UK National Insurance number HMRC could have allocated (spaces ignored, upper case)."""
    compact = "".join(text.split())
    if len(compact) != 9 or not compact[2:8].isdigit():
        return False
    first, second, suffix = compact[0], compact[1], compact[8]
    return (first not in _NINO_BAD_LETTERS and second not in _NINO_BAD_LETTERS and second != "O"
            and compact[:2] not in _NINO_UNALLOCATED and suffix in "ABCD")


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def min_entropy(bits: float) -> Callable[[str], bool]:
    """A check that passes text with at least `bits` of entropy per character (a random key, not a placeholder)."""
    def check(text: str) -> bool:
        return entropy(text) >= bits
    return check


def aws_secret_valid(text: str) -> bool:
    """A 40-character AWS secret access key is random base64: both cases and high entropy (not a hex digest)."""
    return any(c.islower() for c in text) and any(c.isupper() for c in text) and entropy(text) >= 3.8


def not_placeholder(text: str) -> bool:
    """URL credentials whose password is a template (`${DB_PASSWORD}`, `{{ .Values.pw }}`, `<password>`) or a
    mask (`****`) are not secrets."""
    password = text.partition(":")[2]
    return not (password.startswith(("$", "{", "<", "%(")) or set(password) <= {"*", "x", "X", "."})
