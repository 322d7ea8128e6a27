#!/usr/bin/env python3
"""A g-counter node for the lab's `g-counter` workload, kept in the `seq-kv` service.

Written from Maelstrom's protocol description (one JSON message per line on stdin/stdout,
logs on stderr); standard library only.

- Each node keeps its own count in seq-kv under the key "counter-<node id>", as a pair
  [total, version]; only this node writes that key.
- `add {delta}`: read our key, then `cas` it from [total, version] to [total + delta,
  version + 1] with create_if_not_exists (a missing key counts as [0, 0]). Adds run one at a
  time. A `cas` whose outcome is unknown (timeout) is resolved by reading the key again: if
  the version moved on, it took effect. Retried on 22 precondition-failed and on errors.
- `read`: seq-kv may answer from the past, so first `write` a fresh value to our own
  "barrier-<node id>" key (which puts us at the newest state), then read every node's key
  and answer the sum of their totals (a missing key counts as 0).
State lives in seq-kv only, so a restarted node carries on where it stopped.
"""
import json
import os
import select
import sys
import time

SERVICE = "seq-kv"
RPC_TIMEOUT_S = 1.0

node_id = None
node_ids = []
next_msg_id = 1
pending = {}  # msg_id -> (deadline, callback)
adds = []  # queued add requests, handled one at a time
add_busy = False
barrier = 0


def log(*args):
    print(f"[{node_id}]", *args, file=sys.stderr, flush=True)


def send(dest, body):
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")
    sys.stdout.flush()


def reply(req, body):
    body = dict(body)
    if "msg_id" in req["body"]:
        body["in_reply_to"] = req["body"]["msg_id"]
    send(req["src"], body)


def rpc(body, callback):
    """Send `body` to seq-kv; `callback(reply_body)` gets the reply, or {"type": "error", "code": 0} on timeout."""
    global next_msg_id
    msg_id = next_msg_id
    next_msg_id += 1
    pending[msg_id] = (time.monotonic() + RPC_TIMEOUT_S, callback)
    send(SERVICE, dict(body, msg_id=msg_id))


def my_key():
    return f"counter-{node_id}"


def as_pair(value):
    if isinstance(value, list) and len(value) == 2 and all(isinstance(x, int) for x in value):
        return value
    return [0, 0]


# --- add -------------------------------------------------------------------------------------


def next_add():
    global add_busy
    if add_busy or not adds:
        return
    add_busy = True
    try_add(adds[0])


def finish_add(req):
    global add_busy
    adds.pop(0)
    add_busy = False
    reply(req, {"type": "add_ok"})
    next_add()


def try_add(req):
    delta = req["body"].get("delta")

    def on_read(r):
        if r["type"] == "read_ok":
            current = as_pair(r.get("value"))
        elif r["type"] == "error" and r.get("code") == 20:
            current = [0, 0]
        else:
            return try_add(req)
        want = [current[0] + delta, current[1] + 1]

        def on_cas(c):
            if c["type"] == "cas_ok":
                return finish_add(req)
            if c["type"] == "error" and c.get("code") in (20, 22):
                return try_add(req)  # someone (an earlier life of ours) moved it: start again
            # Unknown outcome: look whether our version is there.
            def on_check(k):
                if k["type"] == "read_ok" and as_pair(k.get("value"))[1] >= want[1]:
                    return finish_add(req)
                return try_add(req)

            rpc({"type": "read", "key": my_key()}, on_check)

        rpc(
            {"type": "cas", "key": my_key(), "from": current, "to": want, "create_if_not_exists": True},
            on_cas,
        )

    rpc({"type": "read", "key": my_key()}, on_read)


# --- read ------------------------------------------------------------------------------------


def do_read(req):
    global barrier
    barrier += 1

    def on_barrier(b):
        if b["type"] != "write_ok":
            return reply(req, {"type": "error", "code": 11, "text": "seq-kv did not take the barrier write"})
        totals = {}

        def on_value(n):
            def got(r):
                if r["type"] == "read_ok":
                    totals[n] = as_pair(r.get("value"))[0]
                elif r["type"] == "error" and r.get("code") == 20:
                    totals[n] = 0
                else:
                    totals[n] = None
                if len(totals) == len(node_ids):
                    if any(v is None for v in totals.values()):
                        reply(req, {"type": "error", "code": 11, "text": "seq-kv did not answer every read"})
                    else:
                        reply(req, {"type": "read_ok", "value": sum(totals.values())})

            return got

        for n in node_ids:
            rpc({"type": "read", "key": f"counter-{n}"}, on_value(n))

    rpc({"type": "write", "key": f"barrier-{node_id}", "value": [time.time(), barrier]}, on_barrier)


# --- dispatch --------------------------------------------------------------------------------


def handle(msg):
    global node_id, node_ids
    body = msg["body"]
    t = body.get("type")
    if "in_reply_to" in body:
        entry = pending.pop(body["in_reply_to"], None)
        if entry is not None:
            entry[1](body)
        return
    if t == "init":
        node_id = body["node_id"]
        node_ids = body["node_ids"]
        reply(msg, {"type": "init_ok"})
    elif t == "add":
        if not isinstance(body.get("delta"), int):
            return reply(msg, {"type": "error", "code": 12, "text": "add needs an integer delta"})
        adds.append(msg)
        next_add()
    elif t == "read":
        do_read(msg)
    elif "msg_id" in body:
        reply(msg, {"type": "error", "code": 10, "text": f"unsupported message type {t!r}"})


def expire():
    now = time.monotonic()
    for msg_id in [m for m, (deadline, _) in pending.items() if deadline <= now]:
        _, callback = pending.pop(msg_id)
        callback({"type": "error", "code": 0, "text": "timed out"})


def main():
    fd = sys.stdin.fileno()
    buf = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                try:
                    msg = json.loads(line)
                except ValueError:
                    log("not JSON:", line[:200])
                    continue
                if isinstance(msg, dict) and isinstance(msg.get("body"), dict):
                    handle(msg)
        expire()


if __name__ == "__main__":
    main()
