"""Web UI, JSON API and static export: thin shells over the store."""
from .app import create_app
from .export import export_site

__all__ = ["create_app", "export_site"]
