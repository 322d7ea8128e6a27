#!/usr/bin/env python3
"""A correct lin-kv node for Quorum Lab (Maelstrom's node protocol), standard library only.

One node, the first of node_ids in sorted order (the "home"), holds the whole map. Every
other node forwards each client request to the home and relays the home's answer back, so
every operation takes effect at one place in one order: the history is linearizable. When
the home is unreachable (partition, crash) a forwarded request gets no answer, and the
client times out (an indefinite outcome), which is allowed.

Messages are JSON objects, one per line: {"src", "dest", "body"} on stdin and stdout; logs go
to stderr. Errors are Maelstrom's: 20 key-does-not-exist, 22 precondition-failed.
"""
import json
import sys

node_id = None
home = None
kv = {}
next_id = 0
# msg_id of a request forwarded to the home -> (client, client's msg_id)
waiting = {}


def send(dest, body):
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")
    sys.stdout.flush()


def fresh_id():
    global next_id
    next_id += 1
    return next_id


def apply(body):
    """Run one KV request on the map; return the reply body (without in_reply_to)."""
    key = str(body.get("key"))
    kind = body["type"]
    if kind == "read":
        if key not in kv:
            return {"type": "error", "code": 20, "text": "no such key"}
        return {"type": "read_ok", "value": kv[key]}
    if kind == "write":
        kv[key] = body.get("value")
        return {"type": "write_ok"}
    if kind == "cas":
        if key not in kv:
            if body.get("create_if_not_exists"):
                kv[key] = body.get("to")
                return {"type": "cas_ok"}
            return {"type": "error", "code": 20, "text": "no such key"}
        if kv[key] != body.get("from"):
            return {"type": "error", "code": 22, "text": "expected %r, found %r" % (body.get("from"), kv[key])}
        kv[key] = body.get("to")
        return {"type": "cas_ok"}
    return {"type": "error", "code": 10, "text": "unsupported type %s" % kind}


def handle(msg):
    global node_id, home
    src = msg["src"]
    body = msg["body"]
    kind = body.get("type")
    if kind == "init":
        node_id = body["node_id"]
        home = sorted(body["node_ids"])[0]
        print("%s: home is %s" % (node_id, home), file=sys.stderr, flush=True)
        send(src, {"type": "init_ok", "in_reply_to": body["msg_id"]})
        return
    if kind in ("read", "write", "cas"):
        if node_id == home:
            reply = apply(body)
            reply["in_reply_to"] = body["msg_id"]
            send(src, reply)
        else:
            fid = fresh_id()
            waiting[fid] = (src, body["msg_id"])
            forwarded = dict(body)
            forwarded["msg_id"] = fid
            send(home, forwarded)
        return
    if "in_reply_to" in body and body["in_reply_to"] in waiting:
        client, client_msg_id = waiting.pop(body["in_reply_to"])
        answer = dict(body)
        answer["in_reply_to"] = client_msg_id
        answer.pop("msg_id", None)
        send(client, answer)
        return
    print("%s: ignoring %s" % (node_id, json.dumps(msg)), file=sys.stderr, flush=True)


for line in sys.stdin:
    line = line.strip()
    if line:
        handle(json.loads(line))
