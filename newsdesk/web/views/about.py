"""The about page: what the desk is, and the attribution of the bundled sample corpus."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from ..deps import render
from ..templating import STATIC_DIR

router = APIRouter()


@router.get("/about", response_class=HTMLResponse, include_in_schema=False)
def about_page(request: Request):
    return render(request, "about.html", {})


@router.get("/favicon.ico", include_in_schema=False)
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page says: the same SVG icon."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
