"""A request's body, read by a plane: cut short or badly chunked is the client's error (a 4xx in
each service's shape), never the local cloud's (an HTML 500)."""

from __future__ import annotations

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request


class UnreadableBody(Exception):
    """The body ended before its Content-Length, or its chunked encoding is broken."""


def read_body(request: Request) -> bytes:
    """The whole body; raises ``UnreadableBody`` with a sentence saying what was wrong."""
    try:
        return request.get_data()
    except ClientDisconnected:
        raise UnreadableBody("The request body ended before the Content-Length the request "
                             "announced.") from None  # fmt: skip
    except OSError as error:  # werkzeug's chunked decoding: "Invalid chunk header" and friends
        raise UnreadableBody(f"The request body's chunked encoding is broken ({error}).") from None
