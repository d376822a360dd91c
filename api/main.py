"""Entry point for uvicorn: ``uvicorn api.main:create_app --factory``."""

from .app import create_app

__all__ = ["create_app"]
