"""The build's image step: fetch the lead image of every article whose image URL was never fetched.

Each URL is fetched once: its thumbnail or the reason it was refused is stored under the URL, and an image that
many articles share is fetched for the first of them only. A failure is recorded and never stops the others, nor
the build. At most `ImageSettings.per_build` URLs per build, the newest articles' first, `workers` at a time; the
fetcher keeps one request at a time per host.
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from tqdm import tqdm

from ..settings import FetchSettings, ImageSettings, current
from ..sources.fetch import Fetcher, FetchError
from ..sources.images import ImageRefused, thumbnail
from ..store import Store


@dataclass
class ImageReport:
    stored: int = 0
    failed: int = 0


def fetch_images(store: Store, settings: ImageSettings | None = None, fetch: FetchSettings | None = None,
                 progress: bool = False) -> ImageReport:
    """Fetches and stores the images waiting in `store` (at most `settings.per_build`); returns the counts."""
    settings = settings or current().images
    report = ImageReport()
    urls = store.images_to_fetch(settings.per_build)
    if not urls:
        return report
    fetcher = Fetcher(replace(fetch or current().fetch, max_bytes=settings.max_bytes))

    def one(url: str):
        try:
            return url, thumbnail(url, fetcher, settings)
        except (FetchError, ImageRefused) as e:
            return url, str(e) or type(e).__name__
        except Exception as e:  # noqa: BLE001 - an image must never fail the build; the reason is kept with the URL
            return url, f"{type(e).__name__}: {e}"

    with fetcher, ThreadPoolExecutor(max(1, settings.workers)) as pool:
        # the store is written from this thread only, as each image comes back
        for url, result in tqdm(pool.map(one, urls), total=len(urls), desc="images", unit=" images",
                                disable=not progress, file=sys.stderr):
            if isinstance(result, str):
                store.put_image(url, error=result[:500])
                report.failed += 1
            else:
                store.put_image(url, result.data, result.width, result.height)
                report.stored += 1
    return report
