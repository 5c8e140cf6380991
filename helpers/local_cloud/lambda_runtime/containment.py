"""How far an execution environment is kept from the host: bubblewrap where Linux offers it, a
plain process elsewhere. The cloud says once which one it has (``LambdaRuntime.containment``).

- ``bubblewrap`` (Linux with Debian's ``bwrap``): the handler sees Lambda's layout and little else.
  Its code at /var/task, layers at /opt and the runtime at /var/runtime are read-only; /tmp is its
  own; it runs as Lambda's user (uid 993) with no capabilities, in its own PID namespace with a
  private /proc (no other process's environment to read), and dies with the cloud
  (``--die-with-parent``), every child included. The network is shared: the Runtime API and the
  cloud stay on 127.0.0.1. The runtime's links into the SDK's site-packages resolve because that
  directory is mounted (read-only) at its own path; it is not on sys.path, so ``import requests``
  fails as on AWS. Every mount costs a little at each cold start, so there are few: the runtime
  directory is one, and a copy of the few files of /etc a process needs is another.
- ``process`` (macOS, Windows, containers without namespaces, or
  ``LOCAL_CLOUD_CONTAINMENT=process``): a process in its own session. HOME, TMPDIR and the AWS
  config files are its own, its code is read-only by file mode (which root ignores), and it dies
  with the cloud on Linux (a parent-death signal; what it started is killed when its environment
  goes, or at the next start after a SIGKILL). It can read what its user can read, other
  processes' environments included.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .python_runtimes import Interpreter, host_interpreter

SETTING = "LOCAL_CLOUD_CONTAINMENT"  # auto (the default), bubblewrap or process
BUBBLEWRAP, PROCESS = "bubblewrap", "process"

# Lambda's layout, as a handler sees it inside the sandbox.
SANDBOX_TASK_ROOT, SANDBOX_OPT, SANDBOX_RUNTIME = "/var/task", "/opt", "/var/runtime"
SANDBOX_HOME = "/home/sbx_user1051"  # where "~" leads on AWS, for its user sbx_user1051
SANDBOX_UID, SANDBOX_GID = "993", "990"
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin:/opt/bin"

# What a Python process needs from the host's /etc (the dynamic loader, TLS roots, name lookups).
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "ca-certificates", "pki",
        "ca-certificates.conf", "resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf",
        "passwd", "group", "localtime", "mime.types", "protocols", "services", "os-release")


@dataclass(frozen=True)
class Paths:
    """One environment's directories, on the host or as the handler sees them."""

    task_root: str
    opt_dir: str
    runtime_dir: str
    home: str
    tmp: str

    @property
    def aws_config_file(self) -> str:
        return os.path.join(self.home, ".aws", "config")

    @property
    def aws_credentials_file(self) -> str:
        return os.path.join(self.home, ".aws", "credentials")


def make_environment_folder(folder: Path) -> tuple[str, str]:
    """An environment's own HOME (with empty AWS config and credentials files) and /tmp."""
    home, tmp = folder / "home", folder / "tmp"
    (home / ".aws").mkdir(parents=True)
    for name in ("config", "credentials"):
        (home / ".aws" / name).touch()
    tmp.mkdir()
    tmp.chmod(0o1777)  # writable by the sandbox's user, as Lambda's /tmp
    return str(home), str(tmp)


class Containment:
    """The plain-process containment; ``Bubblewrap`` overrides what a sandbox changes."""

    name = PROCESS
    code_read_only_by_mode = True  # nothing else keeps a handler from writing its code

    def __init__(self, reason: str = "") -> None:
        self.reason = reason  # why not bubblewrap

    def describe(self) -> str:
        return (f"Lambda handlers run as plain processes ({self.reason}): they can read what "
                "your user can, other processes' environments included.")

    def prepare(self, root: Path) -> None:
        """Set up what every environment of an engine shares, in the engine's folder `root`."""

    def visible_paths(self, host: Paths) -> Paths:
        """The paths the handler sees."""
        return host

    def search_path(self, interpreter: Interpreter) -> str:
        return os.environ.get("PATH", os.defpath)

    def executable(self, interpreter: Interpreter) -> str:
        return interpreter.executable

    def parent_death_pid(self) -> str:
        """The launcher's PARENT argument (see runtime_dir.LAUNCHER): our pid on Linux."""
        return str(os.getpid()) if sys.platform == "linux" else "-"

    def command(self, argv: list[str], host: Paths, interpreter: Interpreter) -> list[str]:
        return argv

    def exit_status(self, returncode: int) -> int:
        """The runtime's exit status (negative: killed by that signal), as Popen reports it."""
        return returncode

    def runtime_pid(self, process: subprocess.Popen, thorough: bool = False) -> int | None:
        """The host pid of the runtime (the Python process), None while not yet known.
        `thorough`: look through every process if the usual places fail (costs milliseconds)."""
        return process.pid

    def kill(self, process: subprocess.Popen) -> None:
        """Kill the runtime and everything in its session, at once."""
        try:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, signal.SIGKILL)
            else:  # Windows: no process groups to speak of
                process.kill()
        except (ProcessLookupError, PermissionError):
            pass

    def sweep(self, marker: str) -> None:
        """Kill what escaped the session (a handler's ``setsid`` child): every process of ours
        whose environment mentions `marker`, the environment's own folder (Linux only)."""
        kill_processes_mentioning(marker)


class Bubblewrap(Containment):
    """Each environment in a bubblewrap sandbox: see the module docstring."""

    name = BUBBLEWRAP
    code_read_only_by_mode = False  # read-only mounts: writes fail with EROFS, as on AWS

    def __init__(self, bwrap: str) -> None:
        super().__init__()
        self.bwrap = bwrap
        self._etc: str | None = None

    def describe(self) -> str:
        return ("Lambda handlers run in bubblewrap sandboxes: read-only code, their own /tmp, "
                "a private /proc and PID namespace, no capabilities.")

    def prepare(self, root: Path) -> None:
        """A copy of the few files of /etc a process needs, mounted as the sandbox's /etc."""
        etc = root / "etc"
        etc.mkdir()
        for name in _ETC:
            source = Path("/etc", name)
            try:
                if source.is_symlink():
                    (etc / name).symlink_to(os.readlink(source))
                elif source.is_dir():
                    shutil.copytree(source, etc / name, symlinks=True)
                elif source.is_file():
                    shutil.copy2(source, etc / name)
            except OSError:
                continue  # unreadable (or gone): the sandbox does without it
        self._etc = str(etc)

    def visible_paths(self, host: Paths) -> Paths:
        return Paths(task_root=SANDBOX_TASK_ROOT, opt_dir=SANDBOX_OPT,
                     runtime_dir=SANDBOX_RUNTIME, home=SANDBOX_HOME, tmp="/tmp")

    def search_path(self, interpreter: Interpreter) -> str:
        return f"{interpreter.prefix}/bin:{SANDBOX_PATH}"

    def executable(self, interpreter: Interpreter) -> str:
        return interpreter.sandbox_executable

    def parent_death_pid(self) -> str:
        return "sandbox"  # --die-with-parent does it

    def command(self, argv: list[str], host: Paths, interpreter: Interpreter) -> list[str]:
        # /tmp first: the interpreter or the SDK's site-packages may live under the host's /tmp
        # (a checkout there), and a later bind must not be hidden by the sandbox's own /tmp.
        return [self.bwrap, "--bind", host.tmp, "/tmp",
                *sandbox_arguments(interpreter, self._etc),
                *_runtime_binds(host.runtime_dir),
                "--ro-bind", host.task_root, SANDBOX_TASK_ROOT,
                "--ro-bind", host.opt_dir, SANDBOX_OPT,
                "--ro-bind", host.home, SANDBOX_HOME,
                "--chdir", SANDBOX_TASK_ROOT, "--remount-ro", "/", "--", *argv]

    def exit_status(self, returncode: int) -> int:
        # bwrap reports a command killed by signal N as exit status 128 + N.
        return -(returncode - 128) if 128 < returncode <= 128 + 64 else returncode

    def runtime_pid(self, process: subprocess.Popen, thorough: bool = False) -> int | None:
        # bwrap -> bwrap (PID 1 of the sandbox) -> the runtime (PID 2).
        sandbox_init = _child_of(process.pid, thorough)
        return None if sandbox_init is None else _child_of(sandbox_init, thorough)

    def sweep(self, marker: str) -> None:
        pass  # the PID namespace died with its first process


def sandbox_arguments(interpreter: Interpreter, etc: str | None) -> list[str]:
    """bwrap's options shared by every sandbox: namespaces, user, /proc, /dev, /usr, /etc, and
    the interpreter's own prefix."""
    arguments = ["--unshare-user", "--uid", SANDBOX_UID, "--gid", SANDBOX_GID, "--unshare-pid",
                 "--unshare-ipc", "--die-with-parent", "--proc", "/proc", "--dev", "/dev",
                 "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):  # merged /usr or not
        if os.path.islink(top):
            arguments += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            arguments += ["--ro-bind", top, top]
    if etc is not None:
        arguments += ["--ro-bind", etc, "/etc"]
    return [*arguments, "--ro-bind", interpreter.prefix, interpreter.prefix]


@functools.lru_cache(maxsize=8)
def _runtime_binds(runtime_dir: str) -> tuple[str, ...]:
    """The runtime directory at /var/runtime, and the directories its links point into (the SDK's
    site-packages) at their own paths, so that the links resolve."""
    binds = ["--ro-bind", runtime_dir, SANDBOX_RUNTIME]
    targets = {os.path.dirname(os.path.realpath(entry.path))
               for entry in os.scandir(runtime_dir) if entry.is_symlink()}
    for target in sorted(targets):
        binds += ["--ro-bind", target, target]
    return tuple(binds)


def _child_of(pid: int, thorough: bool) -> int | None:
    """A child of `pid` (bwrap has exactly one): where pids are usually handed out (the next few),
    or, if `thorough`, anywhere."""
    for candidate in range(pid + 1, pid + 65):
        if _parent_of(candidate) == pid:
            return candidate
    if not thorough:
        return None
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if entry.isdigit() and _parent_of(int(entry)) == pid:
            return int(entry)
    return None


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def processes_mentioning(marker: str) -> list[int]:
    """The pids of readable processes (not this one) whose environment contains `marker`: the
    processes of an environment, and whatever they started, carry its folder in HOME and TMPDIR
    and its log stream's name. Empty where there is no /proc."""
    if not os.path.isdir("/proc"):
        return []
    needle, found = marker.encode(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if needle in environ.read():  # a zombie's environment reads as empty
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_processes_mentioning(marker: str) -> int:
    """SIGKILL every process ``processes_mentioning(marker)``; look again after a moment, until a
    look finds none (a process may fork while we look, and one that has just been started shows
    its environment a moment after its parent saw it start). Returns how many were killed."""
    killed: set[int] = set()
    for attempt in range(5):
        found = set(processes_mentioning(marker))
        for pid in found - killed:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        if attempt and not found - killed:
            break
        time.sleep(0.01)
    return len(killed)


def choose(setting: str | None = None) -> Containment:
    """The containment `setting` (or LOCAL_CLOUD_CONTAINMENT) asks for: ``auto`` takes
    bubblewrap where it works here and falls back to plain processes."""
    requested = (setting or os.environ.get(SETTING) or "auto").strip().lower()
    if requested not in ("auto", BUBBLEWRAP, PROCESS):
        raise ValueError(f"{SETTING} must be auto, {BUBBLEWRAP} or {PROCESS}, not {requested!r}")
    if requested == PROCESS:
        return Containment(reason=f"{SETTING}={PROCESS}")
    bwrap, problem = bubblewrap_status()
    if bwrap is not None:
        return Bubblewrap(bwrap)
    if requested == BUBBLEWRAP:
        raise RuntimeError(f"{SETTING}={BUBBLEWRAP} was asked for, but {problem}")
    return Containment(reason=problem)


@functools.lru_cache(maxsize=1)
def bubblewrap_status() -> tuple[str | None, str]:
    """(path to a working bwrap, "") or (None, why not), found once per process."""
    if sys.platform != "linux":
        return None, f"bubblewrap needs Linux, and this is {sys.platform}"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bwrap is not installed (Debian and Ubuntu: apt-get install bubblewrap)"
    interpreter = host_interpreter()
    probe = [bwrap, *sandbox_arguments(interpreter, None), "--remount-ro", "/", "--",
             interpreter.sandbox_executable, "-S", "-c", "pass"]
    try:
        completed = subprocess.run(probe, capture_output=True, text=True, timeout=20,
                                   stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"bwrap could not start ({error})"
    if completed.returncode != 0:
        reason = (completed.stderr.strip().splitlines() or ["no reason given"])[-1]
        return None, f"bwrap cannot run Python in a sandbox here ({reason})"
    return bwrap, ""
