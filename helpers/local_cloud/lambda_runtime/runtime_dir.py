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
import tempfile
import zipfile
from pathlib import Path

from .containment import kill_processes_mentioning

ENGINE_ROOT_PREFIX = "local-lambda-"
OWNER_FILE = "owner"  # "PID START": the process whose engine this folder is

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

# The program each execution environment runs:
# `python -S -s -B -X utf8 -c LAUNCHER RIC PARENT HANDLER PATH...`.
# PARENT is the cloud's pid where the runtime must set its own parent-death signal (a plain process
# on Linux): if the cloud dies, even by SIGKILL, the runtime dies too. "sandbox": bubblewrap did
# that (and set PWD, which Lambda does not); "-": nothing to do. The launcher then puts exactly the
# directories Lambda provides on sys.path, and starts the runtime client the way
# `python -m awslambdaric HANDLER` does, minus the thread that polls /next on python3.12+ (it lets
# AWS's runtime take signals while idle, and costs an extra thread hop per invoke here).
LAUNCHER = """\
import os, sys
ric, parent, handler, *paths = sys.argv[1:]
if parent == "sandbox":
    os.environ.pop("PWD", None)
elif parent != "-":
    import ctypes
    ctypes.CDLL(None).prctl(1, ctypes.c_ulong(9))  # PR_SET_PDEATHSIG, SIGKILL
    if os.getppid() != int(parent):  # the cloud died before we asked
        os._exit(1)
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


def layer_paths(opt_dir: str, version: tuple[int, ...]) -> list[str]:
    """The sys.path entries a layer tree adds for Python `version`, in the order AWS's Python
    runtimes use."""
    python_dir = f"{opt_dir}/python"
    return [f"{python_dir}/lib/python{version[0]}.{version[1]}/site-packages", python_dir]


def make_read_only(tree: Path) -> None:
    """Take away write permission, as Lambda's read-only /var/task (root ignores file modes: the
    bubblewrap sandbox mounts the tree read-only as well)."""
    for directory, _, files in os.walk(tree):
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) & ~0o222)
        os.chmod(directory, 0o555)


def remove_tree(tree: Path) -> None:
    """Remove a tree, read-only directories included."""
    if not os.path.lexists(tree):
        return
    for directory, _, _ in os.walk(tree):
        try:
            os.chmod(directory, 0o755)
        except OSError:
            pass
    shutil.rmtree(tree, ignore_errors=True)


def make_engine_root() -> Path:
    """The engine's own temporary folder, recording which process owns it (see below)."""
    root = Path(tempfile.mkdtemp(prefix=ENGINE_ROOT_PREFIX))
    (root / OWNER_FILE).write_text(_process_identity(os.getpid()) or str(os.getpid()))
    return root


def remove_stale_engine_roots(parent: str | None = None) -> list[Path]:
    """Remove the folders (code, runtime links) of engines whose process is gone: a cloud killed
    with SIGKILL never cleaned up. First kill anything still running from them (a runtime's
    ``setsid`` child survives its parent). Folders without an owner record are left alone."""
    removed = []
    for root in Path(parent or tempfile.gettempdir()).glob(f"{ENGINE_ROOT_PREFIX}*"):
        try:
            owner = (root / OWNER_FILE).read_text().strip()
        except OSError:
            continue
        if not owner or _process_identity(int(owner.split()[0])) == owner:
            continue  # still running (same pid, same start time)
        kill_processes_mentioning(str(root))
        remove_tree(root)
        removed.append(root)
    return removed


def _process_identity(pid: int) -> str | None:
    """"PID START" for a live process (START: its start time, so a reused pid does not pass for
    it), "PID" where /proc is missing, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            return f"{pid} {stat_file.read().rsplit(b')', 1)[1].split()[19].decode()}"
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        pass
    if os.name == "nt":  # os.kill(pid, 0) would terminate it: count it as alive
        return str(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except (PermissionError, OSError):
        pass
    return str(pid)
