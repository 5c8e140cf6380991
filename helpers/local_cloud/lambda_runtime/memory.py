"""MemorySize, enforced: one watchdog thread samples the resident memory of every busy runtime.

An address-space limit (RLIMIT_AS) cannot do it: Python reserves far more address space than it
touches, and ``import boto3`` would fail at 128 MB. Lambda counts memory actually used, so we sample
the runtime's resident set (VmRSS) every few milliseconds while it initialises or handles an
event, kill it as soon as it goes over, and check its peak (VmHWM) when the event is done: nothing
that went over between two samples gets away. Linux only (it reads /proc); elsewhere MemorySize
is reported, not enforced.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

MB = 1024 * 1024
SAMPLE_INTERVAL = 0.005  # seconds between samples of a busy runtime
LINGER = 1.0  # seconds the watchdog keeps its rhythm after the last watch, for the next invoke
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def enforced() -> bool:
    """True where the watchdog can see memory (Linux's /proc)."""
    return os.path.exists("/proc/self/statm")


def resident_bytes(pid: int) -> int | None:
    """The process's resident memory now, or None (gone, or no /proc)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def peak_resident_mb(pid: int) -> int | None:
    """The process's peak resident memory (VmHWM) in MB, rounded up, or None."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return -(-int(line.split()[1]) // 1024)
    except (OSError, ValueError, IndexError):
        pass
    return None


class _Watch:
    def __init__(self, pid: Callable[[], int | None], limit_bytes: int,
                 exceeded: Callable[[], None]) -> None:
        self.pid, self.limit_bytes, self.exceeded = pid, limit_bytes, exceeded
        self.fired = False


class MemoryWatchdog:
    """Samples watched runtimes; calls a watch's `exceeded` once when it goes over its limit.

    The thread starts with the first watch and ends on close(). Between bursts of invokes it sleeps
    until woken; during one it keeps sampling for a moment after each invoke, so that back-to-back
    warm invokes do not each pay for waking it."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = SAMPLE_INTERVAL if interval is None else interval
        self._watches: set[_Watch] = set()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._idle = True  # the thread waits to be woken (nothing watched for a while)
        self._closed = False

    def watch(self, pid: Callable[[], int | None], limit_mb: int,
              exceeded: Callable[[], None]) -> _Watch | None:
        """Start watching the runtime whose host pid `pid()` gives (None while unknown)."""
        if not enforced():
            return None
        watch = _Watch(pid, limit_mb * MB, exceeded)
        with self._condition:
            if self._closed:
                return None
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-memory-watchdog",
                                                daemon=True)
                self._idle = False
                self._thread.start()
            elif self._idle:
                self._condition.notify_all()
        return watch

    def unwatch(self, watch: _Watch | None) -> None:
        if watch is not None:
            with self._condition:
                self._watches.discard(watch)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._watches.clear()
            thread = self._thread
            self._condition.notify_all()
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        quiet = 0.0  # seconds sampled with nothing to watch
        while True:
            with self._condition:
                if not self._watches and quiet >= LINGER:
                    self._idle = True
                    self._condition.wait_for(lambda: self._watches or self._closed)
                    self._idle, quiet = False, 0.0
                if self._closed:
                    return
                watches = list(self._watches)
            quiet = 0.0 if watches else quiet + self.interval
            for watch in watches:
                pid = watch.pid()
                used = resident_bytes(pid) if pid is not None else None
                if used is not None and used > watch.limit_bytes and not watch.fired:
                    watch.fired = True
                    self.unwatch(watch)
                    watch.exceeded()
            with self._condition:
                if self._closed:
                    return
                self._condition.wait(self.interval)
