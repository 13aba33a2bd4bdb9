"""A TCP proxy of the test's own between the app and a server (PostgreSQL), to break on purpose.

The machine's PostgreSQL server is never stopped: the tests break the path to it instead.

- `cut()`: every connection through the proxy is closed and new ones are refused (nothing
  listens on the port), as when the server goes down or a firewall rejects.
- `blackhole()`: connections are accepted and kept, but nothing is forwarded either way, as in
  a network partition behind a middlebox, or a server (or PgBouncer) that has stopped
  answering: the client's bytes are taken and no answer ever comes.
- `restore()`: forwarding resumes (what a blackhole held is delivered, as TCP retransmits when
  a partition heals) and new connections are accepted again.

Threads, one pair per connection: a test makes a few dozen connections at most.
"""
from __future__ import annotations

import socket
import threading

from conftest import free_port


class TcpProxy:
    """127.0.0.1:`port` -> `upstream`; `cut()`, `blackhole()` and `restore()` break and mend it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.mode = "open"
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._listener: socket.socket | None = None

    def __enter__(self) -> TcpProxy:
        self._listen()
        return self

    def __exit__(self, *exc) -> None:
        self._close_listener()
        self._drop_all()
        self._flowing.set()

    # ------------------------------------------------------------------------- what tests call

    def cut(self) -> None:
        """Close every connection and refuse new ones (connect() gets ECONNREFUSED)."""
        self.mode = "cut"
        self._close_listener()
        self._drop_all()
        self._flowing.set()  # pumps held by a blackhole see their connection gone and end

    def blackhole(self) -> None:
        """Accept and hold connections, old and new, but forward nothing."""
        self.mode = "blackhole"
        self._flowing.clear()
        if self._listener is None:
            self._listen()

    def restore(self) -> None:
        """Forward again, and accept new connections."""
        self.mode = "open"
        if self._listener is None:
            self._listen()
        self._flowing.set()

    @property
    def connections(self) -> int:
        """How many client connections the proxy holds now."""
        with self._lock:
            return len(self._pairs)

    # ------------------------------------------------------------------------- the plumbing

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # The same port again after a cut: the app's DATABASE_URL names it.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="proxy-accept").start()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone may not.
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: a cut, or the end of the test
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            pair = (client, server)
            with self._lock:
                self._pairs.add(pair)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target, pair), daemon=True,
                                 name="proxy-pump").start()

    def _pump(self, source: socket.socket, target: socket.socket, pair) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self._flowing.wait()  # a blackhole holds what arrived and forwards nothing
                with self._lock:
                    if pair not in self._pairs:
                        break  # cut while held
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair) -> None:
        with self._lock:
            if pair not in self._pairs:
                return
            self._pairs.discard(pair)
        for sock in pair:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the other pump blocked in recv()
            except OSError:
                pass
            sock.close()

    def _drop_all(self) -> None:
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._drop(pair)
