"""The route index picks the same route as FastAPI's full scan, for every route of the application."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Match

from euryale.container import Container
from euryale.http import routing
from euryale.http.app import create_app

METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")


def _templates(route: BaseRoute, prefix: str = "") -> list[tuple[str, set[str]]]:
    original = getattr(route, "original_router", None)
    if original is not None:
        inner = prefix + route.include_context.prefix  # type: ignore[attr-defined]
        return [t for child in original.routes for t in _templates(child, inner)]
    return [(prefix + route.path, set(getattr(route, "methods", None) or ()))]  # type: ignore[attr-defined]


def _concrete(template: str) -> str:
    return re.sub(r"\{[^}:]+:path\}", "a/b", re.sub(r"\{[^}:]+\}", "p_1", template))


def _first(routes: list[BaseRoute], path: str, method: str) -> tuple[Any, Any]:
    scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": [], "query_string": b""}
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route, Match.FULL
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial, Match.PARTIAL if partial is not None else Match.NONE


async def test_index_chooses_what_the_full_scan_chooses_for_every_route(container: Container) -> None:
    app = create_app(container)
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, routing.IndexedDispatch)  # fails if a FastAPI upgrade stops it being installed
    index = dispatch.current_index()
    templates = [t for route in app.router.routes for t in _templates(route)]
    assert len(templates) > 400
    checked = 0
    for template, methods in templates:
        path = _concrete(template)
        for method in METHODS:
            expected = _first(app.router.routes, path, method)
            assert _first(index.candidates(path), path, method) == expected, (template, method)
            checked += method in methods
    assert checked >= len(templates)
    store = index.candidates("/store/products/prod_1")
    assert 0 < len(store) <= 2, store  # the point: a handful of candidates, not every router


async def test_method_mismatch_unknown_paths_and_late_routes(container: Container) -> None:
    app = create_app(container)
    late = APIRouter()

    @late.get("/store/late-route")
    async def late_route() -> dict[str, str]:
        return {"late": "yes"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/health")).status_code == 200
        method = await c.put("/store/regions")
        assert method.status_code == 405, method.text
        assert (await c.get("/store/nowhere/at/all")).json()["type"] == "not_found"
        assert (await c.get("/nowhere")).status_code == 404
        app.include_router(late)  # after the index was built: seen on the next request
        assert (await c.get("/store/late-route")).json() == {"late": "yes"}

        @late.get("/store/later-route")  # added to an already included router: found by the full scan
        async def later_route() -> dict[str, str]:
            return {"later": "yes"}

        assert (await c.get("/store/later-route")).json() == {"later": "yes"}


def test_static_prefix() -> None:
    assert routing.static_prefix("/store/products/{id}") == ("store", "products")
    assert routing.static_prefix("/store/{id}/x") == ("store",)
    assert routing.static_prefix("/{anything:path}") == ()
    assert routing.static_prefix("/health") == ("health",)


def test_not_installed_over_router_middleware() -> None:
    app = FastAPI()
    app.router.middleware_stack = lambda scope, receive, send: None  # type: ignore[assignment,method-assign]
    assert routing.install(app) is False


async def test_unknown_paths_answer_as_the_full_scan(container: Container) -> None:
    """A path no route matches gets the 404 straight from the index (the full scan tries every route twice), and
    one whose trailing-slash twin matches still gets the full scan's redirect."""
    indexed, scanned = create_app(container), create_app(container)
    scanned.router.middleware_stack = scanned.router.app  # routing.install undone: FastAPI's own dispatch
    paths = ["/store/nowhere", "/nowhere", "/admin/a/b/c/d", "/store/regions/", "/store/products/p_1/",
             "/health/", "/", "/auth/x", "/store/", "/store/regions/reg_1/x"]
    seen = []
    for app in (indexed, scanned):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            answers = []
            for path in paths:
                r = await c.get(path, follow_redirects=False)
                answers.append((path, r.status_code, r.content,
                                [(k, v) for k, v in r.headers.raw if k != b"x-request-id"]))
            seen.append(answers)
    assert seen[0] == seen[1]
    assert {a[1] for a in seen[0]} >= {404, 307}
    dispatch = indexed.router.middleware_stack
    assert isinstance(dispatch, routing.IndexedDispatch)
    scope = {"type": "http", "path": "/store/nowhere", "root_path": "", "method": "GET", "headers": [],
             "query_string": b""}
    assert dispatch._certainly_unmatched(scope, dispatch.current_index())
    assert not dispatch._certainly_unmatched(dict(scope, path="/store/regions/"), dispatch.current_index())
