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

It makes the server atomic, as AWS is: moto's server is threaded and moto
is not thread-safe (under concurrent load it fails requests with
"dictionary changed size during iteration", and 13 of 30 concurrent
conditional Puts of one key all succeeded). Here every request runs under one
lock, one at a time, while connections are still accepted in threads. A long
poll (SQS ReceiveMessage with WaitTimeSeconds > 0) does not hold the lock
while it waits: it looks with a wait of 0 under the lock and sleeps outside
it until a message comes or the wait is over. moto has no other call that
blocks for the services cardloop uses.

And it honours TransactWriteItems' ClientRequestToken as DynamoDB does: a
token that completed a transaction in the last 10 minutes answers the same
request again with success and writes nothing, and a different request with
it fails with IdempotentParameterMismatchException. (moto ignores the token.)
Only successful transactions are remembered.

Usage: python3 moto_tx.py -H 127.0.0.1 -p 4566 (the arguments of moto_server).
"""

import copy
import json
import sys
import threading
import time
import types

import moto.server
from moto.core.responses import ActionResult
from moto.dynamodb import models
from moto.dynamodb.exceptions import DynamodbException, ERROR_TYPE_PREFIX
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.server import main
from moto.sqs.models import SQSBackend

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


# One request at a time. _held says whether this thread holds the lock, so a
# long poll knows it may let go of it while it waits.
_lock = threading.Lock()
_held = threading.local()


class _Serialised(moto.server.DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        with _lock:
            _held.on = True
            try:
                # Run the response to its end under the lock.
                return list(super().__call__(environ, start_response))
            finally:
                _held.on = False


moto.server.DomainDispatcherApplication = _Serialised

_receive = SQSBackend.receive_message
_POLL = 0.05  # seconds between looks of a long poll


def receive_message(self, queue_name, count, wait_seconds_timeout, *args, **kwargs):
    """ReceiveMessage; a long poll waits with the server's lock released."""
    if not wait_seconds_timeout or not getattr(_held, "on", False):
        return _receive(self, queue_name, count, wait_seconds_timeout, *args, **kwargs)
    end = time.monotonic() + wait_seconds_timeout
    while True:
        got = _receive(self, queue_name, count, 0, *args, **kwargs)
        if got or time.monotonic() >= end:
            return got
        _lock.release()
        try:
            time.sleep(min(_POLL, max(0.0, end - time.monotonic())))
        finally:
            _lock.acquire()


SQSBackend.receive_message = receive_message


class IdempotentParameterMismatchException(DynamodbException):
    def __init__(self):
        super().__init__(
            ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
            message="Request parameters do not match the previous request with this ClientRequestToken.",
        )


_TOKEN_TTL = 600.0  # DynamoDB's idempotency window, seconds
_tokens = {}  # token -> (request without the token, completed at)
_transact_response = DynamoHandler.transact_write_items


def transact_write_items_response(self):
    token = self.body.get("ClientRequestToken")
    if not token:
        return _transact_response(self)
    request = json.dumps(
        {k: v for k, v in self.body.items() if k != "ClientRequestToken"},
        sort_keys=True,
        default=repr,  # binary attributes arrive as bytes
    )
    now = time.monotonic()
    for t in [t for t, (_, at) in _tokens.items() if now - at > _TOKEN_TTL]:
        del _tokens[t]
    seen = _tokens.get(token)
    if seen is not None:
        if seen[0] != request:
            raise IdempotentParameterMismatchException()
        return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
    result = _transact_response(self)
    _tokens[token] = (request, time.monotonic())
    return result


DynamoHandler.transact_write_items = transact_write_items_response

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
