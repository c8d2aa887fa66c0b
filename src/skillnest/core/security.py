"""Passwords, session tokens, keyed pseudonyms and encryption at rest."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

import bcrypt
import nacl.secret
import nacl.utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash("dummy password for timing equalisation")

LEGACY_WERKZEUG_PREFIXES = ("pbkdf2:", "scrypt:")
LEGACY_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def verify_password(password: str, stored_hash: str) -> bool:
    """Check a password against Argon2id, Werkzeug (seed 001) or bcrypt (seed 002) hashes."""
    try:
        if stored_hash.startswith("$argon2"):
            return _hasher.verify(stored_hash, password)
        if stored_hash.startswith(LEGACY_WERKZEUG_PREFIXES):
            # Imported here: werkzeug loads its HTTP server and data structures with it
            # (85-160 ms at every start), and only imported Skill Exchange accounts need it.
            from werkzeug.security import check_password_hash

            return check_password_hash(stored_hash, password)
        if stored_hash.startswith(LEGACY_BCRYPT_PREFIXES):
            return bcrypt.checkpw(password.encode()[:72], stored_hash.encode())
    except (VerificationError, InvalidHashError, ValueError):
        return False
    return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash should be replaced by a fresh Argon2id one at this login."""
    if not stored_hash.startswith("$argon2id$"):
        return True
    return _hasher.check_needs_rehash(stored_hash)


def burn_dummy_verification(password: str) -> None:
    """Spend the time of a real verification so unknown emails are not told apart."""
    verify_password(password, _DUMMY_HASH)


async def hash_password_async(password: str) -> str:
    """Hash off the event loop: Argon2id is deliberately slow."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password: str, stored_hash: str | None) -> bool:
    """Verify off the event loop; with no hash, burn the same time and fail."""
    if stored_hash is None:
        await asyncio.to_thread(burn_dummy_verification, password)
        return False
    return await asyncio.to_thread(verify_password, password, stored_hash)


def new_session_token() -> str:
    """A 256-bit opaque bearer token."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_pseudonym(key: str, purpose: str, value: object) -> str:
    """HMAC-SHA256 pseudonym of ``value``, domain-separated by ``purpose``.

    Unlike a plain salted hash, nobody holding only a database dump can recompute it by
    hashing every user id: the key lives outside the database.
    """
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _box(secret_key: str, purpose: str) -> nacl.secret.SecretBox:
    key = hashlib.blake2b(
        secret_key.encode(), digest_size=32, person=purpose.encode()[:16]
    ).digest()
    return nacl.secret.SecretBox(key)


def encrypt_secret(secret_key: str, plaintext: str, purpose: str = "at-rest") -> str:
    """Encrypt a value for storage (XSalsa20-Poly1305 with a key derived from SECRET_KEY)."""
    return _box(secret_key, purpose).encrypt(plaintext.encode()).hex()


def decrypt_secret(secret_key: str, ciphertext: str, purpose: str = "at-rest") -> str:
    """Decrypt a value written by ``encrypt_secret``."""
    return _box(secret_key, purpose).decrypt(bytes.fromhex(ciphertext)).decode()


def constant_time_equals(a: str, b: str) -> bool:
    """Compare secrets without leaking their common prefix length."""
    return hmac.compare_digest(a.encode(), b.encode())
