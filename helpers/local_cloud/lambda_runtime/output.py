"""Capture an execution environment's stdout and stderr as timestamped log lines.

The runtime writes a handler's output before it posts the response, so after the response arrives
`sync()` asks the reader thread to drain whatever is already in the pipe: every line printed during
an invocation is then attributed to it, before its END line.
"""

from __future__ import annotations

import os
import selectors
import threading
import time

_CHUNK = 65536


class OutputReader:
    """Reads one pipe on a background thread and splits it into (timestamp_ms, message) lines."""

    def __init__(self, fd: int, name: str) -> None:
        self._fd = fd
        os.set_blocking(fd, False)
        self._wake_read, wake_write = os.pipe()
        self._wake_write: int | None = wake_write
        os.set_blocking(self._wake_read, False)
        os.set_blocking(wake_write, False)
        self._condition = threading.Condition()
        self._lines: list[tuple[int, str]] = []
        self._partial = b""
        self._partial_at = 0
        self._requested = 0  # sync requests made
        self._served = 0  # sync requests answered by a complete drain
        self._eof = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def sync(self, timeout: float = 2.0) -> None:
        """Return once everything written to the pipe before this call has been read."""
        with self._condition:
            if self._eof:
                return
            self._requested += 1
            target = self._requested
        self._wake()
        with self._condition:
            self._condition.wait_for(lambda: self._served >= target or self._eof, timeout)

    def take_lines(self) -> list[tuple[int, str]]:
        """The lines read so far (and a trailing partial line), removed from the buffer."""
        with self._condition:
            if self._partial:
                self._lines.append((self._partial_at, _message(self._partial)))
                self._partial = b""
            lines, self._lines = self._lines, []
            return lines

    def close(self) -> None:
        """Stop reading even if a grandchild process still holds the pipe open."""
        with self._condition:
            self._closing = True
        self._wake()

    def _wake(self) -> None:
        with self._condition:  # the reader closes the pipe under this lock: no stray write
            if self._wake_write is not None:
                try:
                    os.write(self._wake_write, b"x")
                except BlockingIOError:
                    pass  # the reader has plenty of wake-ups pending

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._fd, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        try:
            while True:
                selector.select()
                with self._condition:
                    target = self._requested  # read before draining: see the module docstring
                try:
                    os.read(self._wake_read, _CHUNK)
                except BlockingIOError:
                    pass
                eof = self._drain()
                with self._condition:
                    self._served = target
                    self._eof = eof or self._closing
                    self._condition.notify_all()
                    if self._eof:
                        break
        finally:
            selector.close()
            with self._condition:
                os.close(self._fd)
                os.close(self._wake_read)
                os.close(self._wake_write)
                self._wake_write = None

    def _drain(self) -> bool:
        """Read until the pipe is empty; True at end of file."""
        while True:
            try:
                data = os.read(self._fd, _CHUNK)
            except BlockingIOError:
                return False
            except OSError:
                return True
            if not data:
                return True
            self._split(data)

    def _split(self, data: bytes) -> None:
        now = int(time.time() * 1000)
        with self._condition:
            if not self._partial:
                self._partial_at = now
            *complete, self._partial = (self._partial + data).split(b"\n")
            for raw in complete:
                self._lines.append((self._partial_at, _message(raw)))
                self._partial_at = now


def _message(raw: bytes) -> str:
    """One log event. A "\\r" inside a line keeps a multi-line message in one event, as on AWS."""
    return raw.decode(errors="replace").rstrip("\r").replace("\r", "\n")
