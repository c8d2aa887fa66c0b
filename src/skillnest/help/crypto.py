"""Client-side encryption of help requests (PyNaCl); the server only ever sees ciphertext.

A request is encrypted with a fresh random key (XSalsa20-Poly1305 secret box). A helper who
offers makes a fresh X25519 key pair for that request only and sends the public half; when the
requester accepts, their client seals the request key to it (sealed box), so only that helper
can open it. The server checks shapes and sizes, never contents.

The asker's client also makes an X25519 key pair per request (its public half goes with the
request). A helper's offer message and every message of the conversation after acceptance
are boxes (X25519 + XSalsa20-Poly1305, ``crypto_box``) between the asker's request key pair
and the helper's offer key pair: both sides compute the same shared key, so either opens every
message of the thread, its own included, and nobody else can write one that opens.
"""

from __future__ import annotations

import base64
import binascii

import nacl.bindings
import nacl.public
import nacl.secret
import nacl.utils

KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE  # 32
PUBLIC_KEY_BYTES = nacl.public.PublicKey.SIZE  # 32
# A secret box carries a 24-byte nonce and a 16-byte tag around the message.
MIN_CIPHERTEXT_BYTES = nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES
# A sealed box adds an ephemeral public key (32) and a tag (16) to the 32-byte request key.
SEALED_KEY_BYTES = KEY_BYTES + nacl.bindings.crypto_box_SEALBYTES


def b64encode(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict standard base64 (no whitespace or stray characters); ValueError otherwise."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not valid base64") from exc


def new_request_key() -> bytes:
    """A fresh random key for one request."""
    return nacl.utils.random(KEY_BYTES)


def encrypt_request(key: bytes, plaintext: str) -> str:
    """Encrypt a request's details; returns base64 (nonce + ciphertext + tag)."""
    return b64encode(bytes(nacl.secret.SecretBox(key).encrypt(plaintext.encode("utf-8"))))


def decrypt_request(key: bytes, ciphertext: str) -> str:
    """Decrypt what ``encrypt_request`` made (raises nacl.exceptions.CryptoError if tampered)."""
    return nacl.secret.SecretBox(key).decrypt(b64decode(ciphertext)).decode("utf-8")


def new_keypair() -> tuple[str, str]:
    """A fresh X25519 key pair as (private, public) base64 strings."""
    private = nacl.public.PrivateKey.generate()
    return b64encode(bytes(private)), b64encode(bytes(private.public_key))


def seal_key(request_key: bytes, public_key: str) -> str:
    """Seal the request key to a helper's public key (only their private key opens it)."""
    box = nacl.public.SealedBox(nacl.public.PublicKey(b64decode(public_key)))
    return b64encode(bytes(box.encrypt(request_key)))


def open_key(sealed_key: str, private_key: str) -> bytes:
    """Open a sealed request key with the helper's private key."""
    box = nacl.public.SealedBox(nacl.public.PrivateKey(b64decode(private_key)))
    return bytes(box.decrypt(b64decode(sealed_key)))


def _box(private_key: str, public_key: str) -> nacl.public.Box:
    return nacl.public.Box(
        nacl.public.PrivateKey(b64decode(private_key)), nacl.public.PublicKey(b64decode(public_key))
    )


def encrypt_message(private_key: str, their_public_key: str, plaintext: str) -> str:
    """Encrypt a message to the other side; base64 (nonce + ciphertext + tag)."""
    return b64encode(bytes(_box(private_key, their_public_key).encrypt(plaintext.encode("utf-8"))))


def decrypt_message(private_key: str, their_public_key: str, ciphertext: str) -> str:
    """Open a message of the conversation, written by either side (CryptoError if tampered)."""
    return _box(private_key, their_public_key).decrypt(b64decode(ciphertext)).decode("utf-8")
