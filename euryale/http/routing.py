"""Route lookup indexed by the first two static path segments, in front of FastAPI's linear route scan.

FastAPI tries every top-level route (one per included router, ~60 here, each scanning its own routes with a regex)
until one matches, for every request: 0.35-0.9 ms of a request's CPU with 431 routes. :class:`IndexedDispatch`
takes the place of the application router's own dispatch and tries only the routes whose static prefix can match
the request path, in their registration order, so which route answers (first full match wins, a method mismatch
is a 405) is unchanged. A path no route can match is answered with the router's 404 once the index is known current, no
route matches the path with its trailing slash toggled and there are no low-priority routes. Whatever the index
cannot decide with certainty - a trailing-slash redirect, low-priority routes, a `root_path`, FastAPI's request
telemetry, routes changed since the index was built - goes to the router's own full scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

Prefix = tuple[str, ...]


def static_prefix(path: str) -> Prefix:
    """The leading literal segments of a route template (at most two): `/store/products/{id}` -> (store, products)."""
    out: list[str] = []
    for segment in path.split("/")[1:3]:
        if "{" in segment:
            break
        out.append(segment)
    return tuple(out)


def _route_prefixes(route: BaseRoute, prefix: str = "") -> Iterable[Prefix]:
    """Static prefixes of every path `route` can answer; () for a route the index cannot place (tried always)."""
    original = getattr(route, "original_router", None)  # FastAPI's included router (one per include_router call)
    include = getattr(route, "include_context", None)
    if original is not None and include is not None:
        inner = prefix + str(getattr(include, "prefix", "") or "")
        for child in original.routes:
            yield from _route_prefixes(child, inner)
        return
    path = getattr(route, "path", None)
    if not isinstance(path, str) or (path and not path.startswith("/")):
        yield ()  # a Host route or an unknown kind
        return
    yield static_prefix(prefix + path)


def _signature(router: Any) -> tuple[int, int]:
    """Changes when a route is added anywhere under `router` (FastAPI counts versions of included routers; walking
    them costs ~35 us, so a matched request only compares the number of top-level routes)."""
    version = getattr(router, "_get_routes_version", None)
    return len(router.routes), version() if callable(version) else 0


class RouteIndex:
    """Top-level routes grouped by the request prefixes they can match, each group in registration order."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        placed: list[tuple[int, frozenset[Prefix]]] = [
            (i, frozenset(p[:2] for p in _route_prefixes(route))) for i, route in enumerate(routes)]
        wild = [i for i, ps in placed if () in ps]
        firsts = {p[0] for _, ps in placed for p in ps if p}
        pairs = {p for _, ps in placed for p in ps if len(p) == 2}

        def pick(keys: set[Prefix]) -> list[BaseRoute]:
            return [routes[i] for i, ps in placed if i in wild_set or ps & keys]

        wild_set = set(wild)
        self.wild: list[BaseRoute] = [routes[i] for i in wild]
        self.by_first: dict[str, list[BaseRoute]] = {a: pick({(a,)}) for a in firsts}
        self.by_pair: dict[tuple[str, str], list[BaseRoute]] = {
            (a, b): pick({(a,), (a, b)}) for a, b in pairs}

    def candidates(self, path: str) -> list[BaseRoute]:
        """Every route that can match `path`, in registration order (a superset: each still checks itself)."""
        parts = path.split("/", 3)
        if len(parts) > 2:
            found = self.by_pair.get((parts[1], parts[2]))
            if found is not None:
                return found
        if len(parts) > 1:
            found = self.by_first.get(parts[1])
            if found is not None:
                return found
        return self.wild


def _update_scope(scope: Scope, child_scope: Scope) -> None:
    """Apply a route's match result to the request scope (FastAPI keeps its own keys in a nested dict)."""
    fastapi_child = child_scope.get("fastapi")
    if isinstance(fastapi_child, dict):
        child_scope = {k: v for k, v in child_scope.items() if k != "fastapi"}
        scope.setdefault("fastapi", {}).update(fastapi_child)
    scope.update(child_scope)


class IndexedDispatch:
    """The application router's dispatch through a :class:`RouteIndex`; the router's full scan as fallback."""

    def __init__(self, router: Any, fallback: Callable[[Scope, Receive, Send], Any]) -> None:
        self.router = router
        self.fallback = fallback
        self.index: RouteIndex | None = None
        self.signature: tuple[int, int] | None = None
        self.low_priority: tuple[RouteIndex | None, bool] | None = None

    def current_index(self, *, thorough: bool = False) -> RouteIndex:
        """The index of the router's routes as they are now (rebuilt after a route is added). The quick check
        sees routers included later; `thorough` also sees routes added to an already included router."""
        if self.index is not None and self.signature is not None and not thorough \
                and len(self.router.routes) == self.signature[0]:
            return self.index
        signature = _signature(self.router)
        if self.index is None or signature != self.signature:
            self.index, self.signature = RouteIndex(list(self.router.routes)), signature
        return self.index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path") or "fastapi.telemetry" in scope:
            await self.fallback(scope, receive, send)
            return
        partial: tuple[BaseRoute, Scope] | None = None
        index = self.current_index()
        for route in index.candidates(scope["path"]):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                scope.setdefault("router", self.router)
                _update_scope(scope, child_scope)
                await route.handle(scope, receive, send)
                return
            if match == Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        # a 405 is only answered here when no route was added since (one added to an included router could be
        # a full match); the rarer cases go through the full scan
        if partial is not None and not isinstance(partial[0], Mount) and self.current_index(thorough=True) is index:
            route, child_scope = partial
            scope.setdefault("router", self.router)
            _update_scope(scope, child_scope)
            await route.handle(scope, receive, send)
            return
        if partial is None and self._certainly_unmatched(scope, index):
            scope.setdefault("router", self.router)
            await self.router.default(scope, receive, send)
            return
        await self.fallback(scope, receive, send)

    def _certainly_unmatched(self, scope: Scope, index: RouteIndex) -> bool:
        """Whether the full scan would end in the router's default (the 404) too: no route was added since the
        index was built, none matches the path with its trailing slash toggled (the scan would redirect), and the
        router has no low-priority routes. The scan tries all ~430 routes twice (as is, then slash-toggled):
        ~2 ms for each request to an unknown path."""
        if self.current_index(thorough=True) is not index or self._has_low_priority():
            return False
        path = scope["path"]
        if path != "/" and getattr(self.router, "redirect_slashes", True):
            toggled = path.rstrip("/") if path.endswith("/") else path + "/"
            redirect_scope = dict(scope)
            redirect_scope["path"] = toggled
            for route in index.candidates(toggled):
                if route.matches(redirect_scope)[0] != Match.NONE:
                    return False
        return True

    def _has_low_priority(self) -> bool:
        """FastAPI's low-priority (frontend) routes, tried after every other route: the full scan handles them."""
        routes = getattr(self.router, "_iter_low_priority_routes", None)
        if routes is None:
            return False
        if self.low_priority is None or self.low_priority[0] is not self.index:
            self.low_priority = (self.index, any(True for _ in routes()))
        return self.low_priority[1]


def install(app: Any) -> bool:
    """Put an :class:`IndexedDispatch` in place of `app.router`'s dispatch; False (nothing changed) when the router
    has something the index does not reproduce (router middleware or form limits)."""
    router = app.router
    if router.middleware_stack != router.app or getattr(router, "form_limits", None):
        return False
    router.middleware_stack = IndexedDispatch(router, router.app)
    return True
