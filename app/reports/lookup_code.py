"""The reporter's lookup code: random, short, shown once when filing, stored salted and hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: the code is read aloud and typed by hand. 10 of 31 symbols: about 50 bits.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def new_lookup_code() -> str:
    """A fresh code for a new report."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


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
