"""Runs moto's server with cheaper DynamoDB transactions.

moto (5.x) makes every TransactWriteItems call deep-copy each table it
touches, every item and stream record, so it can roll back a cancelled
transaction. A table holding a few thousand cards then takes seconds per
transaction, which makes the local app and its tests crawl. This launcher
keeps moto's transaction code and behaviour and replaces only that copy: the
snapshot of a table shares the items the transaction does not touch, holds
deep copies of those it does, and keeps the stream's records up to that
point, which is all a rollback restores. On anything unexpected it falls
back to moto's full copy.

It also mends what a rollback did to the table's stream: moto restored the
copy's stream shard in place of the live one, so every reader's shard
iterator (which holds the shard) stopped seeing new records after the first
cancelled transaction. Here the shard stays, and the records the cancelled
transaction added are cut from it.

Usage: python3 moto_tx.py -H 127.0.0.1 -p 4566 (the arguments of moto_server).
"""

import copy
import sys
import threading
import types

from moto.dynamodb import models
from moto.dynamodb.models.table import Table
from moto.server import main

_state = threading.local()
_deepcopy = copy.deepcopy


def _snapshot(table):
    """A table to restore on rollback, sharing what the transaction leaves."""
    touched = getattr(_state, "touched", None)
    if touched is None:
        return _deepcopy(table)
    snap = copy.copy(table)
    snap.items = copy.copy(table.items)
    if table.has_range_key:
        for hash_key, bucket in table.items.items():
            snap.items[hash_key] = dict(bucket)
    for item in touched:
        if table.has_range_key:
            bucket = snap.items.get(item.hash_key)
            if bucket is not None and bucket.get(item.range_key) is item:
                bucket[item.range_key] = _deepcopy(item)
        elif snap.items.get(item.hash_key) is item:
            snap.items[item.hash_key] = _deepcopy(item)
    # The stream keeps its shard object: readers' shard iterators hold it,
    # and a copy put in its place would leave them reading a shard that
    # gets no more records. transact_write_items below cuts the records a
    # cancelled transaction added.
    return snap


def _copy_for_rollback(obj, memo=None):
    if isinstance(obj, Table):
        try:
            return _snapshot(obj)
        except Exception:  # moto changed shape: take its own full copy
            return _deepcopy(obj, memo)
    return _deepcopy(obj, memo)


def _touched_items(backend, transact_items):
    """The stored items a transaction names, or None if it cannot tell."""
    out = []
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        current = backend.get_item(op["TableName"], key)
        if current is not None:
            out.append(current)
    return out


_transact = models.DynamoDBBackend.transact_write_items


def _shards(backend, transact_items):
    """Each stream shard a transaction writes to, with its length now."""
    out = {}
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        name = op.get("TableName")
        table = backend.tables.get(name)
        if table is not None and table.stream_shard is not None:
            out[name] = (table.stream_shard, len(table.stream_shard.items))
    return out


def transact_write_items(self, transact_items):
    try:
        _state.touched = _touched_items(self, transact_items)
        shards = _shards(self, transact_items)
    except Exception:  # let moto report the malformed request itself
        _state.touched, shards = None, {}
    try:
        return _transact(self, transact_items)
    except Exception:
        for name, (shard, length) in shards.items():
            del shard.items[length:]
            restored = self.tables.get(name)
            if restored is not None:
                restored.stream_shard = shard
                shard.table = restored
        raise
    finally:
        _state.touched = None


models.copy = types.SimpleNamespace(deepcopy=_copy_for_rollback, copy=copy.copy)
models.DynamoDBBackend.transact_write_items = transact_write_items

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
