"""Deployment packages are deterministic and hold only what Lambda needs."""

import base64
import hashlib
import io
import os
import zipfile

import pytest

from helpers import packaging


@pytest.fixture
def project(tmp_path):
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("X = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "conftest.py").write_text("")
    (tmp_path / "README.md").write_text("docs")
    (tmp_path / "requirements-dev.txt").write_text("pytest==9.2.0\n")
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    return tmp_path


def test_same_code_gives_the_same_bytes_and_sha(project):
    first = packaging.build_zip(project)
    os.utime(project / "app.py", (0, 0))  # a different mtime must not matter
    second = packaging.build_zip(project)
    assert first.zip_bytes == second.zip_bytes
    assert first.code_sha256 == second.code_sha256


def test_code_sha256_is_what_lambda_reports(project):
    package = packaging.build_zip(project)
    expected = base64.b64encode(hashlib.sha256(package.zip_bytes).digest()).decode()
    assert package.code_sha256 == expected


def test_changed_code_changes_the_sha(project):
    before = packaging.build_zip(project).code_sha256
    (project / "app.py").write_text("def handler(event, context):\n    return 2\n")
    assert packaging.build_zip(project).code_sha256 != before


def test_only_code_is_packaged_with_the_handler_at_the_top_level(project):
    names = [row["name"] for row in packaging.build_zip(project).files()]
    assert names == ["app.py", "lib/util.py"]


def test_files_are_world_readable_and_dated_1980(project):
    archive = zipfile.ZipFile(io.BytesIO(packaging.build_zip(project).zip_bytes))
    for info in archive.infolist():
        assert (info.external_attr >> 16) & 0o777 == 0o644
        assert info.date_time == (1980, 1, 1, 0, 0, 0)


def test_extra_trees_are_added_under_their_name(project, tmp_path_factory):
    dependency = tmp_path_factory.mktemp("dep")
    (dependency / "__init__.py").write_text("")
    names = [r["name"] for r in packaging.build_zip(project, extra={"dep": dependency}).files()]
    assert "dep/__init__.py" in names


def test_a_missing_folder_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder holding your handler"):
        packaging.build_zip(tmp_path / "nope")
