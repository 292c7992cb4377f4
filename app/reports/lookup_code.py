"""The reporter's lookup code: short, given in the filing answer, stored only salted and hashed.

The code is derived from the service's SECRET_KEY and the random salt stored beside its hash, so
an answer repeated for the same Idempotency-Key (the first one lost on the way) gives the same
code again without the code itself ever being stored. After SECRET_KEY changes, old codes still
open their lookups (the hash is checked), but a replay can no longer give them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: the code is read aloud and typed by hand. 10 of 31 symbols: about 50 bits.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def new_lookup_code(secret: str) -> tuple[str, str]:
    """A fresh code for a new report and its stored form (`salt$hash`)."""
    salt = secrets.token_hex(8)
    code = _derived(secret, salt)
    return code, hash_lookup_code(code, salt)


def lookup_code_again(secret: str, stored: str | None) -> str | None:
    """The code whose stored form this is, derived again (None when it was not derived from
    this secret, or there is none)."""
    if not stored or "$" not in stored:
        return None
    code = _derived(secret, stored.split("$", 1)[0])
    return code if lookup_code_matches(code, stored) else None


def _derived(secret: str, salt: str) -> str:
    """LENGTH symbols of ALPHABET from HMAC-SHA256(secret, salt): about 50 bits, as random to
    anyone without the secret."""
    number = int.from_bytes(
        hmac.new(secret.encode(), f"lookup-code:{salt}".encode(), hashlib.sha256).digest()
    )
    symbols = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[index])
    return "".join(symbols)


def normalized(code: str) -> str:
    """The code as typed, without blanks or dashes, in upper case."""
    return code.replace("-", "").replace(" ", "").upper()


def hash_lookup_code(code: str, salt: str | None = None) -> str:
    """The stored form of a code: `salt$sha256(salt + code)`."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}{normalized(code)}".encode()).hexdigest()
    return f"{salt}${digest}"


def lookup_code_matches(code: str | None, stored: str | None) -> bool:
    """Whether a presented code is the one whose hash is stored (in constant time)."""
    if not code or not stored or "$" not in stored:
        return False
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(hash_lookup_code(code, salt), stored)
