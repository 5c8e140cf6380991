"""moto's DynamoDB tables, stored so that cost follows the request, not the table's size.

moto keeps a table as ``{hash key: {range key: Item}}`` and, left alone,
- ``Query`` walks every item of the table, keeps one partition and sorts it: a guestbook of
  5,000 messages took ~35 ms per page of 20 (on DynamoDB a page costs the same at any size);
- ``TransactWriteItems`` deep-copies each table it touches before writing, to roll back if a
  condition fails: ~80 ms at 5,000 items, and (with moto's instance tracking) never freed.

Here a partition keeps its range keys in order (a Query reads one page from it, by bisection),
and a transaction's rollback copy shares everything the transaction cannot change: it copies
only the items the transaction names. moto's own code still does everything else (conditions,
limits, filters, projections, errors), so results are the same as moto's.
"""

from __future__ import annotations

import copy
import inspect
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

_current = threading.local()  # per request: the rollback plan, the query's candidate items


class SortedPartition(dict):
    """One hash key's items (range key -> Item), with the range keys kept in sort order.

    The order is moto's: by ``DynamoType.cast_value`` (what its ``<`` compares). It is built on
    first use and kept up to date on every insert and delete; anything else invalidates it.
    """

    __slots__ = ("_order",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._order: tuple[list[Any], list[Any]] | None = None  # (sort values, range keys)

    def __reduce__(self) -> Any:  # copy, deepcopy and pickle rebuild it from its items
        return type(self), (dict(self),)

    def copy(self) -> SortedPartition:
        twin = SortedPartition(self)
        if self._order is not None:
            twin._order = (list(self._order[0]), list(self._order[1]))
        return twin

    __copy__ = copy

    def ordered(self) -> tuple[list[Any], list[Any]] | None:
        """(sort values, range keys), ascending; None if the keys cannot be ordered."""
        if self._order is None:
            try:
                pairs = sorted(((key.cast_value, key) for key in self), key=lambda p: p[0])
            except TypeError:  # mixed key types: leave ordering to moto
                return None
            self._order = ([value for value, _ in pairs], [key for _, key in pairs])
        return self._order

    def __setitem__(self, key: Any, value: Any) -> None:
        new = key not in self
        super().__setitem__(key, value)
        if new and self._order is not None:
            try:
                sort_value = key.cast_value
                position = bisect_left(self._order[0], sort_value)
            except (AttributeError, TypeError):
                self._order = None
                return
            self._order[0].insert(position, sort_value)
            self._order[1].insert(position, key)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._forget(key)

    def pop(self, key: Any, *default: Any) -> Any:
        present = key in self
        value = super().pop(key, *default)
        if present:
            self._forget(key)
        return value

    def _forget(self, key: Any) -> None:
        if self._order is None:
            return
        values, keys = self._order
        try:
            position = bisect_left(values, key.cast_value)
        except (AttributeError, TypeError):
            self._order = None
            return
        if position < len(keys) and keys[position] == key:
            del values[position], keys[position]
        else:
            self._order = None

    def popitem(self) -> tuple[Any, Any]:
        self._order = None
        return super().popitem()

    def clear(self) -> None:
        self._order = None
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._order = None
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def __ior__(self, other: Any) -> SortedPartition:
        self.update(other)
        return self


def install() -> None:
    from moto.dynamodb.models.table import Table

    if getattr(Table, "_workbook_storage", False):
        return
    _partitions_keep_order(Table)
    _query_reads_one_page(Table)
    _transactions_copy_what_they_touch()
    Table._workbook_storage = True


# -- partitions --------------------------------------------------------------------------------
def _partitions_keep_order(table_class: type) -> None:
    from collections import defaultdict

    create = table_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        create(self, *args, **kwargs)
        if self.range_key_attr is not None and not self.items:
            self.items = defaultdict(SortedPartition)

    table_class.__init__ = __init__


# -- Query: one page of one partition ----------------------------------------------------------
def _query_reads_one_page(table_class: type) -> None:
    query, all_items = table_class.query, table_class.all_items
    signature = inspect.signature(query)

    def candidates_all_items(self: Any) -> list[Any]:
        pending = getattr(_current, "candidates", None)
        if pending is not None and pending[0] is self:
            _current.candidates = None
            return pending[1]
        return all_items(self)

    def fast_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        candidates = _page_candidates(self, arguments)
        if candidates is None:
            return query(self, *args, **kwargs)
        _current.candidates = (self, candidates)
        try:
            return query(self, *args, **kwargs)
        finally:
            _current.candidates = None

    table_class.query = fast_query
    table_class.all_items = candidates_all_items


def _page_candidates(table: Any, arguments: dict[str, Any]) -> list[Any] | None:
    """The items moto's Query needs to see, in order (None: let moto look at every item).

    A Query on the table (not an index) reads one partition. Without a sort-key condition it
    needs at most ``Limit + 1`` items after ``ExclusiveStartKey`` (the extra one tells moto to
    return a LastEvaluatedKey); with a condition, the whole partition after the start key.
    """
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = arguments.get("hash_key")
    if (arguments.get("index_name") or hash_key is None or table.range_key_attr is None
            or arguments.get("filter_kwargs")):  # fmt: skip
        return None
    partition = table.items.get(hash_key)
    if partition is None:
        return []
    if not isinstance(partition, SortedPartition):
        return None
    order = partition.ordered()
    if order is None:
        return None
    values, keys = order
    forward = arguments.get("scan_index_forward", True) is not False
    low, high = 0, len(keys)
    start = arguments.get("exclusive_start_key")
    if start:
        try:
            if DynamoType(start[table.hash_key_attr]) != hash_key:
                return None
            start_value = DynamoType(start[table.range_key_attr]).cast_value
            if forward:
                low = bisect_right(values, start_value)
            else:
                high = bisect_left(values, start_value)
        except (KeyError, IndexError, TypeError, AttributeError, ArithmeticError):
            return None  # a malformed start key: moto says what is wrong with it
    limit = arguments.get("limit")
    if not arguments.get("range_comparison") and isinstance(limit, int) and limit >= 0:
        if forward:
            high = min(high, low + limit + 1)
        else:
            low = max(low, high - limit - 1)
    return [partition[key] for key in keys[low:high]]


# -- TransactWriteItems: a rollback copy of what the transaction touches ----------------------
class _RollbackCopies:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend: a deep copy of a table
    planned for a transaction's rollback is a shallow one that owns only the items it names."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        plan = getattr(_current, "rollback_plan", None) or {}
        planned = plan.get(id(value))
        if planned is not None and planned[0] is value and planned[1] is not None:
            return rollback_copy(value, planned[1])
        return copy.deepcopy(value, memo)


def _transactions_copy_what_they_touch() -> None:
    import moto.dynamodb.models as dynamodb_models

    backend_class = dynamodb_models.DynamoDBBackend
    transact_write_items = backend_class.transact_write_items

    def planned_transaction(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        _current.rollback_plan = rollback_plan(self.tables, transact_items)
        try:
            return transact_write_items(self, transact_items)
        finally:
            _current.rollback_plan = None

    dynamodb_models.copy = _RollbackCopies()
    backend_class.transact_write_items = planned_transaction


def rollback_plan(tables: dict[str, Any], transact_items: Iterable[Any]
                  ) -> dict[int, tuple[Any, set[tuple[Any, Any]] | None]]:  # fmt: skip
    """{id(table): (table, the keys the transaction names)}; None instead of the keys when
    one cannot be read (then moto's full deep copy is used for that table)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    plan: dict[int, tuple[Any, set[tuple[Any, Any]] | None]] = {}
    for entry in transact_items:
        for operation, request in (entry.items() if isinstance(entry, dict) else ()):
            table = tables.get(request.get("TableName")) if isinstance(request, dict) else None
            if table is None:
                continue
            keys = plan.setdefault(id(table), (table, set()))[1]
            if keys is None:
                continue
            attributes = request.get("Item" if operation == "Put" else "Key") or {}
            try:
                hash_key = DynamoType(attributes[table.hash_key_attr])
                range_key = (DynamoType(attributes[table.range_key_attr])
                             if table.range_key_attr is not None else None)  # fmt: skip
            except (KeyError, IndexError, TypeError, AttributeError):
                plan[id(table)] = (table, None)
                continue
            keys.add((hash_key, range_key))
    return plan


def rollback_copy(table: Any, keys: set[tuple[Any, Any]]) -> Any:
    """A copy of ``table`` as it is now, safe to restore after writes to ``keys``: it shares
    every partition and item the writes cannot reach, and owns copies of those they can."""
    twin = copy.copy(table)
    items = twin.items = copy.copy(table.items)  # the hash keys: a new dict, same partitions
    for hash_key, range_key in keys:
        current = table.items.get(hash_key)
        if current is None:
            continue
        if range_key is None:  # a table without a sort key: the item itself
            items[hash_key] = copy.deepcopy(current)
            continue
        if items[hash_key] is current:
            items[hash_key] = current.copy()  # a SortedPartition keeps its order
        item = current.get(range_key)
        if item is not None:
            items[hash_key][range_key] = copy.deepcopy(item)
    shard = getattr(table, "stream_shard", None)
    if shard is not None:  # stream records written by a cancelled transaction go too
        twin.stream_shard = copy.copy(shard)
        twin.stream_shard.items = list(shard.items)
        twin.stream_shard.table = twin
    return twin
