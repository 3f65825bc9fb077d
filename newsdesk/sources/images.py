"""One lead image fetched and made into a thumbnail: `thumbnail(url, fetcher, settings)`.

The image comes through the desk's own `Fetcher` (fetch.py), so every rule that holds for a page holds for it:
http(s) only, one deadline, no private or loopback addresses, robots.txt, the byte limit on the decoded body (here
`ImageSettings.max_bytes`). Pillow then reads the header alone and refuses a format other than JPEG, PNG, GIF and
WebP, and a declared size over `max_pixels` *before* decoding a pixel: a few kilobytes of PNG can declare
gigapixels (a decompression bomb). Only then is it decoded (JPEG drafted at the smallest scale that still gives the
thumbnail's width), reduced and re-encoded as WebP: what is kept and served is our own small file, never the
original, never a link to it.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from ..errors import NewsdeskError
from ..settings import ImageSettings
from .fetch import Fetcher, FetchError

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")  # what a news page's og:image is; SVG and the rest are not decoded
MIN_SIDE = 32  # below this an "image" is a tracking pixel or a spacer, not a picture worth a thumbnail


class ImageRefused(NewsdeskError):
    """The URL gave no image that may be kept; the message says why (it is stored with the URL)."""


@dataclass(frozen=True)
class Thumbnail:
    data: bytes  # WebP
    width: int
    height: int


def make_thumbnail(body: bytes, settings: ImageSettings) -> Thumbnail:
    """`body` (an image file) as a WebP thumbnail; raises ImageRefused for anything that is not a JPEG, PNG, GIF
    or WebP image of a sane size."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(body), formats=FORMATS)  # reads the header only
            width, height = im.size
            if width * height > settings.max_pixels:
                raise ImageRefused(f"image of {width}x{height} pixels is over the limit of {settings.max_pixels} "
                                   "pixels, refused as a decompression bomb (not decoded)")
            if width < MIN_SIDE or height < MIN_SIDE:
                raise ImageRefused(f"image of {width}x{height} pixels is too small to show")
            box = (settings.width, settings.max_height)
            if im.format == "JPEG":
                im.draft("RGB", box)  # decode at 1/2, 1/4 or 1/8 scale when that still covers the box
            im.load()
            im.thumbnail(box, Image.Resampling.LANCZOS)
            alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            im = im.convert("RGBA" if alpha else "RGB")
            out = io.BytesIO()
            im.save(out, "WEBP", quality=settings.quality, method=4)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own ceiling (about 179 megapixels), met while it reads the header: before ours can look
        raise ImageRefused(f"image of over {settings.max_pixels} pixels refused as a decompression bomb (not "
                           "decoded)") from e
    except UnidentifiedImageError as e:
        raise ImageRefused(f"not an image of a known format ({', '.join(FORMATS)})") from e
    except (OSError, ValueError, SyntaxError, EOFError) as e:  # what Pillow raises for a damaged or cut-off file
        raise ImageRefused(f"image cannot be decoded: {e}") from e
    return Thumbnail(out.getvalue(), im.width, im.height)


def thumbnail(url: str, fetcher: Fetcher, settings: ImageSettings) -> Thumbnail:
    """Fetches `url` with `fetcher` (whose byte limit should be `settings.max_bytes`) and makes its thumbnail;
    raises ImageRefused (a refused image) or FetchError (no usable response), each naming the reason."""
    result = fetcher.get(url)
    if result.not_modified:  # never sent a validator, so a 304 is the server's error
        raise FetchError(url, "HTTP 304 to an unconditional request")
    return make_thumbnail(result.body, settings)
