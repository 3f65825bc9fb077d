"""The about page: what the desk is, and the attribution of the bundled sample corpus."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..deps import render

router = APIRouter()


@router.get("/about", response_class=HTMLResponse, include_in_schema=False)
def about_page(request: Request):
    return render(request, "about.html", {})
