"""The client side: PyNaCl envelopes and the local key store (no server needed)."""

from __future__ import annotations

import uuid

import nacl.exceptions
import pytest

from skillnest.help import crypto
from skillnest.help.client import ClientError, KeyStore, read_plaintext


def test_only_the_chosen_helper_opens_the_request():
    key = crypto.new_request_key()
    ciphertext = crypto.encrypt_request(key, "über-secret ✓")
    chosen_private, chosen_public = crypto.new_keypair()
    other_private, _ = crypto.new_keypair()
    sealed = crypto.seal_key(key, chosen_public)
    assert len(crypto.b64decode(sealed)) == crypto.SEALED_KEY_BYTES == 80
    assert crypto.decrypt_request(crypto.open_key(sealed, chosen_private), ciphertext) == (
        "über-secret ✓"
    )
    with pytest.raises(nacl.exceptions.CryptoError):
        crypto.open_key(sealed, other_private)
    tampered = crypto.b64encode(crypto.b64decode(ciphertext)[:-1] + b"\x00")
    with pytest.raises(nacl.exceptions.CryptoError):
        crypto.decrypt_request(key, tampered)


def test_key_store_files_are_private_and_named_by_uuid_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SKILLNEST_TOKEN", raising=False)
    store = KeyStore(tmp_path / "config")
    request_id = str(uuid.uuid4())
    store.save_token("http://server", "tok")
    store.save_request_key(request_id, b"k" * 32)
    store.save_offer_key(request_id, str(uuid.uuid4()), "private")
    for path in (tmp_path / "config").rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path
    assert store.token("http://server") == "tok"
    monkeypatch.setenv("SKILLNEST_TOKEN", "from-env")
    assert store.token("http://server") == "from-env"
    assert store.request_key(request_id) == b"k" * 32
    with pytest.raises(ClientError):
        store.save_request_key("../../.bashrc", b"k" * 32)
    store.forget_request(request_id)
    assert store.request_key(request_id) is None and store.offer_key(request_id) is None


def test_reading_needs_the_right_role_and_key(tmp_path):
    store = KeyStore(tmp_path)
    request_id = str(uuid.uuid4())
    key = crypto.new_request_key()
    view = {
        "id": request_id,
        "role": "owner",
        "encrypted_request": crypto.encrypt_request(key, "x"),
    }
    with pytest.raises(ClientError, match="not on this machine"):
        read_plaintext(store, view)
    store.save_request_key(request_id, key)
    assert read_plaintext(store, view) == "x"
    with pytest.raises(ClientError):
        read_plaintext(store, view | {"role": "viewer"})
    with pytest.raises(ClientError, match="no content"):
        read_plaintext(store, view | {"encrypted_request": None})
