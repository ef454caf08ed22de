"""`WireRoute`'s lean handler: the same answers as FastAPI's handler for Request-only routes, FastAPI's own handler
for everything else (query/body parameters, non-str path convertors, dependency overrides)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Request
from pydantic import BaseModel, Field

from euryale.errors import not_allowed
from euryale.http import errors, handler
from euryale.http.handler import plan
from euryale.query import request as wire
from euryale.query.request import WireRoute

calls: list[str] = []


async def key(request: Request) -> str:
    calls.append("key")
    value = request.headers.get("x-key", "")
    if not value:
        raise not_allowed("key required")
    return value


async def who(request: Request) -> str | None:
    calls.append("who")
    return request.headers.get("x-who")


class Item(BaseModel):
    variant_id: str
    quantity: int = Field(gt=0)
    metadata: dict[str, Any] | None = None


def build(**app_options: Any) -> FastAPI:
    router = APIRouter(dependencies=[Depends(key)], route_class=WireRoute)

    @router.post("/carts/{cart_id}/items")
    async def add(cart_id: str, body: Item, request: Request, fields: str | None = None,
                  w: str | None = Depends(who)) -> Any:
        calls.append("endpoint")
        return {"cart": cart_id, "item": body.model_dump(), "fields": fields, "who": w}

    @router.post("/embedded")
    async def embedded(item: Item = Body(embed=True)) -> Any:
        return {"item": item.model_dump()}

    @router.get("/things/{thing_id}")
    async def thing(thing_id: str, request: Request, k: str = Depends(key),
                    w: str | None = Depends(who)) -> Any:
        return {"id": thing_id, "key": k, "who": w, "path": request.url.path}

    @router.get("/plain")
    async def plain(request: Request) -> Any:
        return {"q": request.query_params.get("q")}

    @router.get("/queried")
    async def queried(limit: int = 5) -> Any:
        return {"limit": limit}

    @router.get("/fields/{thing_id}")
    async def fields(thing_id: str, request: Request, fields: str | None = None, k: str = Depends(key)) -> Any:
        return {"id": thing_id, "fields": fields, "key": k}

    app = FastAPI(**app_options)
    errors.install(app)
    app.include_router(router)
    app.state.wire_router = router
    return app


class _Standard(httpx.AsyncClient):
    """A client whose requests go through FastAPI's own handler."""

    async def request(self, *args: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        handler.ENABLED = False
        try:
            return await super().request(*args, **kwargs)
        finally:
            handler.ENABLED = True


@pytest.fixture
async def clients() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build()), base_url="http://t") as a, \
            _Standard(transport=httpx.ASGITransport(app=build()), base_url="http://t") as b:
        yield a, b


async def test_same_answers_as_fastapis_handler(clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    lean, standard = clients
    cases: list[tuple[str, dict[str, str]]] = [
        ("/things/t1", {"x-key": "k1", "x-who": "me"}), ("/things/t%202", {"x-key": "k1"}),
        ("/things/t1", {}), ("/plain?q=x", {"x-key": "k"}), ("/queried?limit=7", {"x-key": "k"}),
        ("/queried?limit=nope", {"x-key": "k"}), ("/queried", {}), ("/fields/a", {"x-key": "k"}),
        ("/fields/a?fields=", {"x-key": "k"}), ("/fields/a?fields=x,y&fields=*z", {"x-key": "k"}),
        ("/fields/a?fields=%2Bq", {"x-key": "k"}), ("/fields/a?other=1", {"x-key": "k"}), ("/fields/a?fields=1", {}),
    ]
    for path, headers in cases:
        calls.clear()
        a = await lean.get(path, headers=headers)
        lean_calls = list(calls)
        calls.clear()
        b = await standard.get(path, headers=headers)
        assert (a.status_code, a.content, a.headers.raw) == (b.status_code, b.content, b.headers.raw), path
        assert lean_calls == calls, path  # same dependencies, same order, a repeated one solved once


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The dependants FastAPI's own handler solves from now on (none when the lean handler answers)."""
    calls_made: list[object] = []
    original = fastapi.routing.solve_dependencies

    async def counting(**kwargs: Any) -> Any:
        calls_made.append(kwargs["dependant"].call)
        return await original(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls_made


async def test_repeated_dependency_runs_once_and_errors_keep_their_shape(
        clients: tuple[httpx.AsyncClient, httpx.AsyncClient], solved: list[object]) -> None:
    lean, standard = clients
    calls.clear()
    r = await lean.get("/things/a", headers={"x-key": "k", "x-who": "w"})
    assert r.json() == {"id": "a", "key": "k", "who": "w", "path": "/things/a"}
    assert calls == ["key", "who"]
    assert solved == [], "answered by the lean handler"
    await standard.get("/things/a", headers={"x-key": "k", "x-who": "w"})
    assert len(solved) == 1, "FastAPI's handler when turned off"
    r = await lean.get("/things/a")
    assert r.status_code == 400
    assert r.json() == {"type": "not_allowed", "message": "key required"}


def test_only_request_only_routes_are_planned() -> None:
    app = build()
    planned = {r.path: plan(r.dependant) is not None for r in app.state.wire_router.routes
               if isinstance(r, WireRoute)}
    assert planned == {"/things/{thing_id}": True, "/plain": True, "/queried": False, "/fields/{thing_id}": True,
                       "/carts/{cart_id}/items": False, "/embedded": False}, "a body needs the route's body field"
    routes = {r.path: r for r in app.state.wire_router.routes if isinstance(r, WireRoute)}
    add, embedded = routes["/carts/{cart_id}/items"], routes["/embedded"]
    assert plan(add.dependant, add.body_field) is not None
    assert handler._json_body(add.body_field, add._embed_body_fields)
    assert not handler._json_body(embedded.body_field, embedded._embed_body_fields), "embedded: FastAPI's handler"
    assert wire._str_path_params("/a/{x}/{rest:path}")
    assert not wire._str_path_params("/a/{n:int}")


async def test_dependency_overrides_go_through_fastapi() -> None:
    app = build()

    async def fixed_key() -> str:
        return "overridden"

    app.dependency_overrides[key] = fixed_key
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/things/x")
    assert r.status_code == 200
    assert r.json()["key"] == "overridden"


JSON = {"x-key": "k", "content-type": "application/json"}
BODY_CASES: list[tuple[str, dict[str, str], bytes | None]] = [
    ("/carts/c1/items", JSON, b'{"variant_id": "v1", "quantity": 2}'),
    ("/carts/c1/items?fields=a,b", {**JSON, "x-who": "me"}, b'{"variant_id": "v1", "quantity": 2, "metadata": {"a": [1]}}'),
    ("/carts/c1/items", {"x-key": "k", "content-type": "application/json; charset=utf-8"},
     b'{"variant_id": "v1", "quantity": 1}'),
    ("/carts/c1/items", JSON, b'{"variant_id": "v1", "quantity": 0}'),  # fails validation: 400 after the deps
    ("/carts/c1/items", JSON, b'{"variant_id": 5}'),
    ("/carts/c1/items", JSON, b'[1, 2]'),
    ("/carts/c1/items", JSON, b'{"variant_id": "v1", "quantity": 2'),  # bad JSON: refused before the deps
    ("/carts/c1/items", {"content-type": "application/json"}, b'{"variant_id": "v1"'),
    ("/carts/c1/items", {"content-type": "application/json"}, b'{"variant_id": "v1", "quantity": 1}'),  # no key
    ("/carts/c1/items", JSON, b""),
    ("/carts/c1/items", JSON, None),
    ("/carts/c1/items", {"x-key": "k"}, b'{"variant_id": "v1", "quantity": 1}'),  # no content type
    ("/carts/c1/items", {"x-key": "k", "content-type": "text/plain"}, b'{"variant_id": "v1", "quantity": 1}'),
    ("/carts/c1/items", {"x-key": "k", "content-type": "application/vnd.x+json"}, b'{"variant_id": "v", "quantity": 1}'),
    # json.loads accepts what orjson refuses: FastAPI's handler answers from the same bytes
    ("/carts/c1/items", JSON, b'{"variant_id": "v1", "quantity": 1, "x": 123456789012345678901234567890}'),
    ("/carts/c1/items", JSON, b'{"variant_id": "v1", "quantity": 1, "x": "\\ud800"}'),
    ("/carts/c1/items", JSON, b'\xef\xbb\xbf{"variant_id": "v1", "quantity": 1}'),
    ("/carts/c1/items", JSON, b'{"variant_id": "v1", "quantity": NaN}'),
    ("/embedded", JSON, b'{"item": {"variant_id": "v1", "quantity": 1}}'),
]


async def test_json_bodies_get_fastapis_answers(clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
                                                solved: list[object]) -> None:
    lean, standard = clients
    statuses = set()
    for path, headers, content in BODY_CASES:
        calls.clear()
        a = await lean.post(path, headers=headers, content=content)
        statuses.add(a.status_code)
        lean_calls = list(calls)
        calls.clear()
        b = await standard.post(path, headers=headers, content=content)
        assert (a.status_code, a.content, a.headers.raw) == (b.status_code, b.content, b.headers.raw), (path, content)
        assert lean_calls == calls, (path, content)
    assert statuses == {200, 400}, "successes and refusals alike"
    solved.clear()
    r = await lean.post("/carts/c9/items", headers={**JSON, "x-who": "w"},
                        content=b'{"variant_id": "v1", "quantity": 3, "metadata": null}')
    assert r.status_code == 200
    assert r.json() == {"cart": "c9", "item": {"variant_id": "v1", "quantity": 3, "metadata": None},
                        "fields": None, "who": "w"}
    assert solved == [], "a valid JSON body is answered by the lean handler"
    bad = await lean.post("/carts/c9/items", headers=JSON, content=b'{"variant_id": "v1", "quantity": -1}')
    assert bad.status_code == 400 and bad.json()["type"] == "invalid_data", bad.text
    assert solved, "an invalid one by FastAPI's handler"


async def test_a_body_that_fails_to_read_keeps_fastapis_answer() -> None:
    """A body over FastAPI's `max_body_size` fails while it is read: the lean handler hands FastAPI the failure,
    which answers its 413 (re-reading a consumed stream would have been a 400)."""
    answers = []
    for enabled in (True, False):
        handler.ENABLED = enabled
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build(max_body_size=64)),
                                         base_url="http://t") as c:
                r = await c.post("/carts/c1/items", headers=JSON,
                                 content=b'{"variant_id": "' + b"v" * 200 + b'", "quantity": 1}')
        finally:
            handler.ENABLED = True
        answers.append((r.status_code, r.content))
    assert answers[0] == answers[1]
    assert answers[0][0] == 413, answers
