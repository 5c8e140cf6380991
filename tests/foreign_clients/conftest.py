"""Shared pieces for the tests of clients this project did not write (Powertools, Chalice)."""

from __future__ import annotations

import http.client
import importlib.metadata
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest


def _bundle(app_dir: Path, distributions: tuple[str, ...]) -> bytes:
    """A deployment package: the app's files plus the installed ``distributions``, laid out as
    ``pip install -t package/ ...`` lays them out (packages and .dist-info at the top), taken from
    this environment so the test needs no network."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(app_dir.rglob("*.py")):
            archive.write(path, path.relative_to(app_dir).as_posix())
        for name in distributions:
            dist = importlib.metadata.distribution(name)
            for file in dist.files or ():
                if file.parts[0] in ("..", "__pycache__") or "__pycache__" in file.parts:
                    continue
                source = Path(dist.locate_file(file))
                if source.is_file():
                    archive.write(source, file.as_posix())
    return buffer.getvalue()


@dataclass
class Reply:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


def _request(url: str, method: str = "GET", body: dict | None = None) -> Reply:
    """One HTTP request (JSON body when given), as a browser or curl would send it."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, parts.path, body=data, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, response.read())
    finally:
        connection.close()


@pytest.fixture(name="bundle", scope="session")
def bundle_fixture():
    """bundle(app_dir, distributions) -> the zip's bytes"""
    return _bundle


@pytest.fixture(name="http_request", scope="session")
def http_request_fixture():
    """http_request(url, method="GET", body=None) -> Reply(status, body)"""
    return _request
