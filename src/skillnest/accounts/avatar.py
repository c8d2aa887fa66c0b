"""Profile pictures: sniffed by content, re-encoded, resized, stripped of metadata.

An upload is trusted for nothing: its type is read from its bytes (never the file name or
the declared content type), it is decoded by Pillow with a pixel bound against decompression
bombs, and only freshly encoded pixels are stored, so EXIF (GPS position, camera serials)
and anything hidden after the image data never reach the media directory.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from skillnest.core.errors import PayloadTooLarge, UnsupportedMediaType

MAX_BYTES = 5 * 1024 * 1024
SIZES = (256, 64)
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# 40 megapixels: a 4000x3000 photo is 12; anything far beyond is a decompression bomb.
MAX_PIXELS = 40_000_000


def check_size(length: int) -> None:
    """Refuse an upload over 5 MB."""
    if length > MAX_BYTES:
        raise PayloadTooLarge(f"An avatar may be at most {MAX_BYTES // (1024 * 1024)} MB.")


def open_image(data: bytes) -> Image.Image:
    """Decode JPEG, PNG or WebP bytes, or refuse with 415."""
    check_size(len(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise UnsupportedMediaType("An avatar must be a JPEG, PNG or WebP image.")
            if image.width * image.height > MAX_PIXELS:
                raise UnsupportedMediaType("The image has too many pixels.")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType("An avatar must be a JPEG, PNG or WebP image.") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedMediaType("The image has too many pixels.") from exc
    return image


def square(image: Image.Image, size: int) -> bytes:
    """A centred square crop of the upright image, ``size`` pixels wide, as WebP."""
    upright = ImageOps.exif_transpose(image)  # honour the camera's rotation before dropping EXIF
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "P") else "RGB"
    fitted = ImageOps.fit(upright.convert(mode), (size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, format="WEBP", quality=85, method=4)  # no exif= argument: none is written
    return out.getvalue()


def render_avatar(data: bytes) -> tuple[str, dict[int, bytes]]:
    """The content digest and the WebP bytes of each size for an uploaded image."""
    image = open_image(data)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return digest, {size: square(image, size) for size in SIZES}
