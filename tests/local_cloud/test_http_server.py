"""The local cloud's HTTP server: keep-alive, raw header names, bodies, limits and a clean stop."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from helpers.local_cloud.http_server import RAW_HEADERS, LocalHTTPServer


def echo_app(environ, start_response):
    """Answers with what the server handed WSGI (reading the body only when asked to)."""
    body = environ["wsgi.input"].read() if environ["PATH_INFO"] != "/ignore-body" else b""
    answer = json.dumps({
        "raw_headers": environ[RAW_HEADERS], "body": body.decode("latin-1"),
        "port": environ["REMOTE_PORT"], "day": environ.get("HTTP_DAY"),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [answer]


@pytest.fixture
def server():
    started = LocalHTTPServer(("127.0.0.1", 0), echo_app, idle_timeout=7.5, max_connections=3)
    thread = threading.Thread(target=started.serve_forever, daemon=True)
    thread.start()
    yield started
    started.shutdown()
    started.close_all()
    started.server_close()
    thread.join(5)


def connect(server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(*server.server_address, timeout=10)


def ask(connection, method="GET", path="/", body=None, headers=()):
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if body is not None and not any(n.lower() == "transfer-encoding" for n, _ in headers):
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    return response, response.read()


def test_requests_on_one_connection_share_it(server):
    connection = connect(server)
    first = json.loads(ask(connection)[1])
    second = json.loads(ask(connection, "POST", "/", b"hello")[1])
    assert first["port"] == second["port"]  # the same TCP connection served both
    assert second["body"] == "hello"


def test_header_names_reach_wsgi_as_the_client_spelled_them(server):
    _, body = ask(connect(server), headers=[("day", "Monday"), ("X-MiXeD", "1"), ("X-Rep", "a"),
                                            ("X-Rep", "b")])
    seen = json.loads(body)
    names = [name for name, _ in seen["raw_headers"]]
    assert "day" in names and "X-MiXeD" in names and names.count("X-Rep") == 2
    assert seen["day"] == "Monday"  # and the usual WSGI keys are there too


def test_an_unread_body_is_drained_before_the_next_request(server):
    connection = connect(server)
    response, _ = ask(connection, "POST", "/ignore-body", b"x" * 100_000)
    assert response.status == 200
    _, body = ask(connection, "POST", "/", b"next")
    assert json.loads(body)["body"] == "next"


def test_a_chunked_body_arrives_whole(server):
    connection = connect(server)
    connection.putrequest("POST", "/")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    connection.send(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    response = connection.getresponse()
    assert json.loads(response.read())["body"] == "hello world"


def raw_exchange(server, data: bytes) -> bytes:
    with socket.create_connection(server.server_address, timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_truncated_body_is_a_400_not_a_silent_short_read(server):
    answer = raw_exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
    assert "ended before" in json.loads(body)["message"]


def test_a_malformed_chunked_body_is_a_400(server):
    answer = raw_exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\n"
                                  b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n")
    assert answer.startswith(b"HTTP/1.1 400")


def test_a_bad_content_length_is_a_400(server):
    answer = raw_exchange(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")


def test_idle_connections_get_the_idle_timeout(server):
    connection = connect(server)
    ask(connection)
    with server._connections_lock:
        sockets = list(server._connections)
    assert [sock.gettimeout() for sock in sockets] == [7.5]


def test_connections_over_the_cap_are_refused_with_503(server):
    held = [connect(server) for _ in range(3)]
    for connection in held:
        ask(connection)
    answer = raw_exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 503")


def test_an_app_error_is_a_json_500_and_the_server_goes_on():
    def broken(environ, start_response):
        raise RuntimeError("boom")

    server = LocalHTTPServer(("127.0.0.1", 0), broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response, body = ask(connect(server))
        assert response.status == 500 and json.loads(body)["__type"] == "InternalFailure"
    finally:
        server.shutdown()
        server.close_all()
        server.server_close()


def test_close_all_ends_every_connection_thread(server):
    connections = [connect(server) for _ in range(3)]
    for connection in connections:
        ask(connection)  # kept alive, each holds a thread
    assert server.open_connections() == 3
    server.shutdown()
    server.close_all()
    assert server.open_connections() == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("local-cloud-connection")]
