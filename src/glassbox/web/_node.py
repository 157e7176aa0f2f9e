"""The running node, as the routes find it: built once per app by the lifespan."""

from __future__ import annotations

from fastapi import Request

from glassbox.core import Glassbox


def glassbox(request: Request) -> Glassbox:
    node: Glassbox = request.app.state.glassbox
    return node
