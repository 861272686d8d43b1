"""The statuses a route can answer, as ``/openapi.json`` states them: those its view declares
(``statuses=`` in :meth:`ground.web.Api.route`) and those the shared layer answers for it.

The layer's own: 200 unless the view declares another success; 413 on every route (the size
limit is judged before routing); 401 with a token required, 403 when only some callers may
call; 400, 415 and 422 for a route that reads a body; 500 for a crash.

A route answering a status it did not declare is a wrong contract: :class:`UndeclaredStatus`
is warned, so a service keeps answering while the tests (warnings are errors) fail on it.
"""

from __future__ import annotations

from collections.abc import Mapping


class UndeclaredStatus(RuntimeWarning):
    """A route answered a status its OpenAPI description does not list."""


def route_statuses(
    declared: Mapping[int, str], *, body: bool, auth: bool, restricted: bool, max_body: int
) -> dict[int, str]:
    """Every status of one route with what it means, in order."""
    statuses: dict[int, str] = {}
    if not any(200 <= status < 300 for status in declared):
        statuses[200] = "OK"
    statuses.update(declared)
    if auth:
        statuses.setdefault(401, "no valid bearer token")
    if restricted:
        statuses.setdefault(403, "the caller may not call this route")
    if body:
        statuses.setdefault(400, "the body is empty or not a JSON object")
        statuses.setdefault(415, "the body is not sent as application/json")
        statuses.setdefault(422, "the body does not fit: the field at fault is named")
    statuses.setdefault(413, f"the body is over {max_body} bytes")
    statuses.setdefault(500, "internal error")
    return dict(sorted(statuses.items()))
