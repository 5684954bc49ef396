"""Route classes the services' routers may use.

`SharedPathRoute`: several routes at one path (GET and POST of a collection): a method served by none of
them answers 405 with an `Allow` header listing every method served at the path, not only the first route's
(Starlette's default), as RFC 9110 asks.
"""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send


class SharedPathRoute(APIRoute):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            served = {method for route in scope["app"].router.routes
                      if isinstance(route, APIRoute) and route.path == self.path for method in route.methods or ()}
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(served))})
        await super().handle(scope, receive, send)
