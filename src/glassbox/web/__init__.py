"""HTTP API: a thin layer that parses requests, calls the core and renders results."""

from glassbox.web._app import create_app

__all__ = ["create_app"]
