"""A TCP proxy that counts round trips, run as a process of its own (`python counting_proxy.py
HOST PORT`): it prints the port it listens on, then answers each line `take` on its input with the
round trips counted since the last one.

A round trip is counted each time a client connection sends after the server last sent on it (or
for the first time). In a process of its own, no thread of the process it measures holds up what
it forwards (Redis's pushes, say).
"""

from __future__ import annotations

import selectors
import socket
import sys


def serve(target: tuple[str, int]) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    select = selectors.DefaultSelector()
    select.register(listener, selectors.EVENT_READ, "accept")
    select.register(sys.stdin, selectors.EVENT_READ, "control")
    #: Each socket: the other end, whether it is the client's, who spoke last on the connection.
    ends: dict[socket.socket, tuple[socket.socket, bool, list[str]]] = {}
    turns = 0
    while True:
        for key, _ in select.select():
            if key.data == "accept":
                client, _ = listener.accept()
                server = socket.create_connection(target)
                for end in (client, server):  # as Redis and its clients do: pushes are not held back
                    end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                last = ["server"]
                ends[client], ends[server] = (server, True, last), (client, False, last)
                select.register(client, selectors.EVENT_READ, "pump")
                select.register(server, selectors.EVENT_READ, "pump")
            elif key.data == "control":
                if not sys.stdin.readline():
                    return
                print(turns, flush=True)
                turns = 0
            else:
                source = key.fileobj
                assert isinstance(source, socket.socket)
                sink, from_client, last = ends[source]
                data = source.recv(65536)
                if not data:
                    for end in (source, sink):
                        select.unregister(end)
                        end.close()
                        del ends[end]
                    continue
                if from_client and last[0] == "server":
                    turns += 1
                last[0] = "client" if from_client else "server"
                sink.sendall(data)


if __name__ == "__main__":
    serve((sys.argv[1], int(sys.argv[2])))
