#!/usr/bin/python3
"""held-rpc.py SOCKET METHOD [PARAMS-JSON]: one JSON-RPC request to xcdd on
a fresh connection; prints the answer's JSON on one line (or
{"closed": true} when xcdd closed without answering; notifications
before it are skipped). Exit 0 when it
answered or closed, 2 on a timeout or a connection that could not be made.
Run by held-roles as the caller under test (setpriv)."""
import json
import socket
import sys

sock, method = sys.argv[1], sys.argv[2]
params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
req = {"jsonrpc": "2.0", "id": 1, "method": method}
if params is not None:
    req["params"] = params
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock)
    s.sendall(json.dumps(req).encode() + b"\n")
    buf = b""
    line = b""
    while True:
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        if b"\n" not in buf:
            break
        line, buf = buf.split(b"\n", 1)
        # Notifications (no id) may come first: the answer has one.
        if "id" in json.loads(line):
            break
        line = b""
except (OSError, socket.timeout) as e:
    print(json.dumps({"client_error": str(e)}))
    sys.exit(2)
print(line.decode(errors="replace") if line else json.dumps({"closed": True}))
