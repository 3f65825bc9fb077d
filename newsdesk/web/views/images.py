"""Lead images: `/images/{id}.webp`, the thumbnails the build fetched and stored (pipeline/images.py).

An id's bytes never change (a URL is fetched once, and its row is never rewritten), so browsers may keep them a
year without asking again. Only the desk's own copy is ever served: pages never link to the outlet's image.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...store import Store
from ..deps import get_store
from ..handlers import Missing

router = APIRouter()

CACHE_CONTROL = "public, max-age=31536000, immutable"


@router.get("/images/{image_id}.webp", include_in_schema=False)
def image(image_id: int, store: Store = Depends(get_store)):
    data = store.image_data(image_id)
    if data is None:
        raise Missing("image")
    return Response(data, media_type="image/webp",
                    headers={"Cache-Control": CACHE_CONTROL, "ETag": f'"img-{image_id}"',
                             "X-Content-Type-Options": "nosniff"})
