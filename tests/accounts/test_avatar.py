"""Profile pictures: sniffed by content, resized to 256 and 64 px, EXIF stripped, served."""

from __future__ import annotations

import io
import os

from PIL import Image

from tests.factories import PASSWORD, signup

GPS_IFD = 0x8825


def photo_with_gps(width: int = 4000, height: int = 3000) -> bytes:
    """A camera-sized JPEG carrying a GPS position and a camera make in its EXIF."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "Acme Camera"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (38.0, 42.0, 0.0), 3: "W", 4: (9.0, 8.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=70)
    return out.getvalue()


def png_bytes(size: int = 300) -> bytes:
    """A small PNG with transparency."""
    out = io.BytesIO()
    Image.new("RGBA", (size, size // 2), (10, 200, 90, 128)).save(out, format="PNG")
    return out.getvalue()


async def upload(client, headers, data: bytes, name: str, content_type: str = "image/jpeg"):  # type: ignore[no-untyped-def]
    return await client.put(
        "/api/v1/me/avatar", headers=headers, files={"file": (name, data, content_type)}
    )


async def test_photo_is_resized_and_loses_its_exif(client):
    user, headers = await signup(client)
    original = photo_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()  # the upload does carry GPS
    response = await upload(client, headers, original, "holiday.jpg")
    assert response.status_code == 200, response.text
    body = response.json()
    for url, size in ((body["image_url"], 256), (body["image_small_url"], 64)):
        served = await client.get(url)
        assert served.status_code == 200
        assert "immutable" in served.headers["cache-control"]
        image = Image.open(io.BytesIO(served.content))
        assert image.size == (size, size)
        assert image.format == "WEBP"
        assert len(image.getexif()) == 0
        assert b"Acme Camera" not in served.content
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["image_url"] == body["image_url"]
    public = (await client.get(f"/api/v1/users/{user['id']}")).json()
    assert public["image_url"] == body["image_url"]


async def test_type_comes_from_the_content_not_the_name(client):
    _, headers = await signup(client)
    response = await upload(client, headers, png_bytes(), "renamed.jpg", "image/jpeg")
    assert response.status_code == 200, response.text
    served = await client.get(response.json()["image_url"])
    assert Image.open(io.BytesIO(served.content)).size == (256, 256)


async def test_too_large_and_not_an_image_are_refused(client):
    _, headers = await signup(client)
    big = await upload(client, headers, os.urandom(6 * 1024 * 1024), "big.jpg")
    assert big.status_code == 413
    assert big.headers["content-type"] == "application/problem+json"
    text = await upload(client, headers, b"just some words\n" * 100, "notes.png", "image/png")
    assert text.status_code == 415
    assert text.headers["content-type"] == "application/problem+json"
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert (await upload(client, headers, gif.getvalue(), "a.gif", "image/gif")).status_code == 415


async def test_replacing_and_deleting_the_avatar_removes_old_files(client):
    _, headers = await signup(client)
    first = (await upload(client, headers, png_bytes(300), "a.png", "image/png")).json()
    second = (await upload(client, headers, png_bytes(400), "b.png", "image/png")).json()
    assert first["image_url"] != second["image_url"]
    assert (await client.get(first["image_url"])).status_code == 404
    assert (await client.get(second["image_url"])).status_code == 200
    deleted = await client.delete("/api/v1/me/avatar", headers=headers)
    assert deleted.status_code == 204
    assert (await client.get(second["image_url"])).status_code == 404
    assert (await client.get("/api/v1/me", headers=headers)).json()["image_url"] is None


async def test_avatar_needs_a_signed_in_user(client):
    response = await upload(client, {}, png_bytes(), "a.png", "image/png")
    assert response.status_code == 401


async def test_deleting_the_account_removes_its_avatar_files(client):
    _, headers = await signup(client)
    uploaded = (await upload(client, headers, png_bytes(), "a.png", "image/png")).json()
    assert (await client.get(uploaded["image_small_url"])).status_code == 200
    wrong = await client.request(
        "DELETE", "/api/v1/me", headers=headers, json={"password": "not the password"}
    )
    assert wrong.status_code == 401
    assert (await client.get(uploaded["image_url"])).status_code == 200  # kept: nothing deleted
    deleted = await client.request(
        "DELETE", "/api/v1/me", headers=headers, json={"password": PASSWORD}
    )
    assert deleted.status_code == 204
    for url in (uploaded["image_url"], uploaded["image_small_url"]):
        assert (await client.get(url)).status_code == 404
