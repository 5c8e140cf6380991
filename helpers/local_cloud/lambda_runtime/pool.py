"""Warm pools: the execution environments of one function version at one revision.

An environment serves one event at a time. An invoke takes a warm (idle) environment when there is
one, starts a new one (a cold start) while the pool is under its limit, and otherwise waits. A new
revision (code or configuration update) retires the pool: its environments go, and the next invoke
is cold.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from .environment import CodeBundle, EngineConfig, ExecutionEnvironment
from .python_runtimes import Interpreter
from .runtime_dir import extract_zip, make_read_only
from .spec import FunctionSpec


class PoolRetired(Exception):
    """The pool was replaced by a newer revision while the caller waited for an environment."""


class FunctionPool:
    def __init__(self, spec: FunctionSpec, config: EngineConfig, code_root: Path,
                 limit: int, interpreter: Interpreter, stand_in_warning: str | None = None,
                 ) -> None:
        self.revision = spec.revision()
        self.config = config
        self.interpreter = interpreter
        self.stand_in_warning = stand_in_warning
        self.limit = max(1, limit)
        self.retired = False
        self._code_dir = code_root / f"{spec.function_name}-{uuid.uuid4().hex[:12]}"
        self._bundle: CodeBundle | None = None
        self._bundle_lock = threading.Lock()
        self._condition = threading.Condition()
        self._idle: list[ExecutionEnvironment] = []  # most recently used last
        self._all: set[ExecutionEnvironment] = set()
        self._starting = 0

    def acquire(self, spec: FunctionSpec) -> ExecutionEnvironment:
        """A warm environment, or a new one; waits while `limit` environments are busy."""
        with self._condition:
            while True:
                if self.retired:
                    raise PoolRetired
                while self._idle:
                    environment = self._idle.pop()
                    if environment.alive:
                        return environment
                    self._forget(environment)  # it died while idle (a stray thread's exit)
                if len(self._all) + self._starting < self.limit:
                    self._starting += 1
                    break
                self._condition.wait()
        try:
            environment = ExecutionEnvironment(spec, self._code(spec), self.config,
                                               self.interpreter, self.stand_in_warning)
        except BaseException:
            with self._condition:
                self._starting -= 1
                self._condition.notify()
            raise
        with self._condition:
            self._starting -= 1
            self._all.add(environment)
            if self.retired:
                self._forget(environment)
                raise PoolRetired
        return environment

    def release(self, environment: ExecutionEnvironment) -> None:
        """Return an environment after an invoke: warm again, or gone if it failed."""
        with self._condition:
            if environment.alive and not self.retired:
                environment.last_used = self.config.clock.monotonic()
                self._idle.append(environment)
            else:
                self._forget(environment)
            self._condition.notify()

    def retire(self, *, wait: bool = False) -> None:
        """Discard every idle environment now, and each busy one when its invoke ends."""
        with self._condition:
            self.retired = True
            idle, self._idle = self._idle, []
            for environment in idle:
                self._forget(environment, wait=wait)
            self._condition.notify_all()

    def reap(self, idle_since: float) -> None:
        """Discard environments idle since before `idle_since` (monotonic), as Lambda does."""
        with self._condition:
            stale = [env for env in self._idle if env.last_used < idle_since]
            self._idle = [env for env in self._idle if env.last_used >= idle_since]
            for environment in stale:
                self._forget(environment)

    def environments(self) -> list[ExecutionEnvironment]:
        with self._condition:
            return list(self._all)

    def _forget(self, environment: ExecutionEnvironment, *, wait: bool = False) -> None:
        # Called with the condition held.
        environment.discard(wait=wait)
        self._all.discard(environment)
        if self.retired and not self._all and not self._starting:
            with self._bundle_lock:
                if self._bundle is not None:
                    self._bundle.remove()
                    self._bundle = None

    def _code(self, spec: FunctionSpec) -> CodeBundle:
        """This revision's code and layers, unzipped on first use (once per revision)."""
        with self._bundle_lock:
            if self._bundle is None:
                task_root = extract_zip(spec.code_zip, self._code_dir / "task")
                opt_dir = self._code_dir / "opt"
                opt_dir.mkdir(parents=True, exist_ok=True)
                for layer in spec.layers:  # later layers overwrite earlier ones, as in /opt
                    extract_zip(layer, opt_dir)
                if self.config.containment.code_read_only_by_mode:
                    make_read_only(task_root)  # as Lambda's /var/task and /opt
                    make_read_only(opt_dir)
                self._bundle = CodeBundle(task_root=task_root, opt_dir=opt_dir)
            return self._bundle
