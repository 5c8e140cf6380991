"""The engine's own long-lived threads: one starts every runtime process, one releases them.

Starting: Linux ties a parent-death signal (``PR_SET_PDEATHSIG``, and bubblewrap's
``--die-with-parent``) to the *thread* that forked the child, not to the process. A runtime started
from a request thread would be killed when that request ends; started from one thread that lives
as long as the engine, it dies exactly when the engine (or the whole cloud, even by SIGKILL) does.

Releasing: reaping a killed runtime and stopping its Runtime API takes a moment that must not
delay an invoke; one thread does it for every discarded environment, and shutdown waits for it.
"""

from __future__ import annotations

import logging
import queue
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class EngineClosed(RuntimeError):
    """The engine has been shut down."""


class Spawner:
    """``spawn()`` runs ``subprocess.Popen`` on the spawner thread and returns the process."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="lambda-spawner", daemon=True)
        self._thread.start()

    def spawn(self, args: list[str], **popen_kwargs: Any) -> subprocess.Popen:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise EngineClosed("this LambdaRuntime has been shut down")
            self._requests.put((args, popen_kwargs, future))
        return future.result()

    def close(self) -> None:
        """Stop the thread (which fires the parent-death signal of anything still running)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._requests.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while (request := self._requests.get()) is not None:
            args, popen_kwargs, future = request
            try:
                future.set_result(subprocess.Popen(args, **popen_kwargs))
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                future.set_exception(error)


class Reaper:
    """``release(job)`` runs `job` (an environment's cleanup) on the reaper thread."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="lambda-reaper", daemon=True)
        self._thread.start()

    @property
    def closing(self) -> bool:
        """Shutting down: the engine sweeps up once for all, after the last job."""
        return self._closed

    def release(self, job: Callable[[], None]) -> None:
        with self._lock:
            if not self._closed:
                self._jobs.put(job)
                return
        job()  # shutting down: the caller waits for it

    def close(self, timeout: float = 10.0) -> None:
        """Finish every job queued so far, then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # one failed cleanup must not stop the others
                logging.getLogger(__name__).exception("releasing an execution environment failed")
