"""Memory: moto keeps only live models; its dashboard works without Docker."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any


def install() -> None:
    _track_only_live_instances()
    _dashboard_without_docker()


class LiveInstances:
    """What moto's ``instances_tracked`` holds in the local cloud: the model objects still alive,
    as weak references, instead of every object ever created. Iterating gives the live ones."""

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._alive: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:  # keyed by id: models need not be hashable; a reused id replaces a dead entry
            self._alive[id(instance)] = instance
        except TypeError:  # a model without weak-reference support is not listed
            pass

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._alive.values()))

    def __len__(self) -> int:
        return len(self._alive)


def _track_only_live_instances() -> None:
    """moto's ``BaseModel.__new__`` appends every object to ``cls.instances_tracked`` forever
    (a transaction's copy of a table too); keep weak references instead. moto's reset puts
    plain lists back, so each class gets its ``LiveInstances`` again on its next object."""
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import model_data

    if getattr(BaseModel, "_workbook_live_instances", False):
        return
    for models in list(model_data.values()):
        for model in list(models.values()):
            model.instances_tracked = LiveInstances(getattr(model, "instances_tracked", ()))
    swap = threading.Lock()

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance = super(BaseModel, cls).__new__(cls)
        tracked = cls.__dict__.get("instances_tracked")
        if not isinstance(tracked, LiveInstances):
            with swap:
                tracked = cls.__dict__.get("instances_tracked")
                if not isinstance(tracked, LiveInstances):
                    tracked = LiveInstances()
                    cls.instances_tracked = tracked
        tracked.append(instance)
        return instance

    BaseModel.__new__ = staticmethod(__new__)
    BaseModel._workbook_live_instances = True
def _dashboard_without_docker() -> None:
    """moto's ``/moto-api/data.json`` reads every public attribute of every live model and
    skips those raising AttributeError; ``docker_client`` of a Lambda function raises Docker's
    own error when Docker is absent (always, in the local cloud), so the dashboard failed with
    a 500 as soon as one function existed. Here that is an AttributeError too."""
    from moto.utilities.docker_utilities import DockerModel

    if getattr(DockerModel, "_workbook_no_docker", False):
        return
    connect = DockerModel.docker_client.fget

    def docker_client(self: Any) -> Any:
        try:
            return connect(self)
        except Exception as error:  # docker.errors.DockerException; docker may not be installed
            if type(error).__module__.split(".")[0] != "docker":
                raise
            raise AttributeError(f"docker_client: Docker is not available ({error})") from None

    DockerModel.docker_client = property(docker_client)
    DockerModel._workbook_no_docker = True
