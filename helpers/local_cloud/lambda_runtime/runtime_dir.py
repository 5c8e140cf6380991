"""The runtime's own directory (LAMBDA_RUNTIME_DIR, /var/runtime on AWS) and the code directories.

AWS's Python runtimes ship the runtime interface client and the AWS SDK, nothing else. We build
that directory once, out of symlinks to the matching distributions in the current environment,
so `import boto3` works in a handler and `import requests` fails exactly as it does on AWS.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import os
import py_compile
import shutil
import stat
import sys
import zipfile
from pathlib import Path

# The distributions a Lambda Python runtime provides (awslambdaric and the SDK it bundles).
RUNTIME_DISTRIBUTIONS = (
    "awslambdaric",
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "simplejson",
    "snapshot-restore-py",
)

# Our pure-Python runtime client, importable under this name inside the runtime directory.
BOOTSTRAP_MODULE = "local_cloud_bootstrap"

# The program each execution environment runs: `python -S -s -B -X utf8 -c LAUNCHER RIC HANDLER
# PATH...`.
# It puts exactly the directories Lambda provides on sys.path, then starts the runtime client the
# way `python -m awslambdaric HANDLER` does, minus the thread that polls /next on python3.12+ (it
# lets AWS's runtime take signals while idle, and costs an extra thread hop per invoke here).
LAUNCHER = """\
import os, sys
ric, handler, *paths = sys.argv[1:]
sys.path[:1] = paths
sys.argv[1:] = [handler]
if ric == "awslambdaric":
    from awslambdaric import bootstrap
    from awslambdaric.lambda_runtime_client import LambdaRuntimeClient
    bootstrap.run(handler, LambdaRuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"]))
else:
    from local_cloud_bootstrap import main
    main(sys.argv)
"""


def awslambdaric_available() -> bool:
    """True if AWS's runtime interface client and its native HTTP client are installed here."""
    return all(
        importlib.util.find_spec(name) is not None for name in ("awslambdaric", "runtime_client")
    )


def _top_level_entries(dist: importlib.metadata.Distribution) -> set[str]:
    """The top-level names a distribution installs (packages, modules, its .dist-info)."""
    names: set[str] = set()
    for file in dist.files or ():
        parts = file.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith(".data"):
            continue
        names.add(parts[0])
    return names


def build_runtime_dir(path: Path) -> Path:
    """Fill `path` with links to the runtime's distributions and our bootstrap; return it."""
    path.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_DISTRIBUTIONS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # e.g. awslambdaric off Linux: the pure-Python bootstrap stands in
        site_dir = Path(dist.locate_file(""))
        for entry in _top_level_entries(dist):
            _link(site_dir / entry, path / entry)
    bootstrap = path / f"{BOOTSTRAP_MODULE}.py"
    shutil.copyfile(Path(__file__).with_name("bootstrap.py"), bootstrap)
    py_compile.compile(str(bootstrap), doraise=True)  # runtimes run with -B: ship the .pyc
    return path


def _link(source: Path, target: Path) -> None:
    if target.exists() or not source.exists():
        return
    try:
        target.symlink_to(source, target_is_directory=source.is_dir())
    except OSError:  # no symlinks (Windows without developer mode): copy instead
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


def extract_zip(data: bytes, target: Path) -> Path:
    """Unzip a deployment package or layer into `target`, keeping executable bits as Lambda does."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            extracted = Path(archive.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(extracted, mode | stat.S_IRUSR)
    return target


def layer_paths(opt_dir: Path) -> list[str]:
    """The sys.path entries a layer tree adds, in the order AWS's Python runtimes use."""
    python_dir = opt_dir / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [str(python_dir / "lib" / version / "site-packages"), str(python_dir)]
