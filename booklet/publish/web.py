"""The web stack of ``booklet serve`` and ``booklet studio``: Starlette on Uvicorn, kept tight.

Uvicorn already closes idle keep-alive connections (``timeout_keep_alive``), bounds a
request head (``h11_max_incomplete_event_size``) and answers 503 past ``limit_concurrency``.
It has no timer for a connection that never finishes its request head, and a crowd of such
connections would use up the process's file descriptors (issue 15: 1,100 half-sent requests
made the old server unreachable). :class:`GuardedH11` adds the two missing pieces: a head
timeout, and a bound on open connections kept by closing the oldest idle one, so the
newcomer is answered rather than refused.
"""
from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path, PurePosixPath

from booklet.errors import BookletError

KEEP_ALIVE_SECONDS = 5           # an idle connection between requests
HEAD_SECONDS = 10.0              # from connecting (or the last answer) to a complete request head
MAX_HEAD_BYTES = 16 * 1024       # a request head larger than this is refused with 400
MAX_CONNECTIONS = 256            # open connections; past it the oldest idle one is closed
MAX_ACTIVE = 512                 # requests being answered at once; past it 503
PORT_HINT = "choose a port from 1 to 65535, e.g. --port 8000"


def check_port(port: int) -> int:
    """Return *port* if it is a TCP port a server can listen on; raise a clear error if not."""
    if not 1 <= port <= 65535:
        raise BookletError(f"--port {port} is not a TCP port", hint=PORT_HINT)
    return port


def bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on *host*:*port* (0: a free port), or a clear error."""
    if not 0 <= port <= 65535:
        check_port(port)
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError as exc:
        raise BookletError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                           hint="pick another port with --port, or another --host") from None
    sock.set_inheritable(True)
    return sock


def hidden(path: str) -> bool:
    """Whether a URL path names a file never served: dotfiles and folders, temporary files."""
    parts = PurePosixPath(path).parts
    return any(part.startswith(".") or part.endswith((".tmp", "~")) for part in parts)


def inside(folder: Path, relative: str) -> Path | None:
    """The regular file *relative* names inside *folder* (links followed), or None."""
    if "\\" in relative or "\0" in relative or hidden(relative):
        return None
    base = folder.resolve()
    try:
        path = (base / relative.lstrip("/")).resolve()
        path.relative_to(base)
    except (ValueError, OSError):
        return None
    return path if path.is_file() else None


def _make_protocol():
    """Uvicorn's h11 protocol with a request-head timeout and a bound on open connections."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.opened = self.loop.time()
            self.head_timer = self.loop.call_later(HEAD_SECONDS, self.head_timeout)
            if len(self.connections) > MAX_CONNECTIONS:
                self.close_oldest_idle()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.answering() and self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.head_timer is None and not self.transport.is_closing():
                self.head_timer = self.loop.call_later(HEAD_SECONDS, self.head_timeout)

        def connection_lost(self, exc) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
            super().connection_lost(exc)

        def answering(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def head_timeout(self) -> None:
            self.head_timer = None
            if not self.answering() and not self.transport.is_closing():
                self.transport.close()

        def close_oldest_idle(self) -> None:
            idle = [c for c in self.connections if c is not self and isinstance(c, GuardedH11)
                    and not c.answering() and not c.transport.is_closing()]
            for connection in sorted(idle, key=lambda c: c.opened)[:len(self.connections) - MAX_CONNECTIONS]:
                connection.transport.close()

    return GuardedH11


class WebServer:
    """A Uvicorn server for one ASGI app on a bound socket: ``serve_forever`` here or in a thread."""

    def __init__(self, app, sock: socket.socket):
        import uvicorn

        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        config = uvicorn.Config(app, http=_make_protocol(), lifespan="off", log_config=None,
                                log_level="warning", access_log=False, server_header=False,
                                timeout_keep_alive=KEEP_ALIVE_SECONDS, limit_concurrency=MAX_ACTIVE,
                                h11_max_incomplete_event_size=MAX_HEAD_BYTES, timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.stopped = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def serve_forever(self) -> None:
        """Serve until Ctrl-C (in the main thread) or :meth:`shutdown`."""
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.stopped.set()
        if self.server.started is False and not self.server.should_exit:
            raise BookletError(f"the server on port {self.port} did not start")

    def start(self) -> "WebServer":
        """Serve in a daemon thread; return once it accepts connections."""
        threading.Thread(target=self.serve_forever, daemon=True, name="booklet-web").start()
        while not self.server.started and not self.stopped.wait(0.01):
            pass
        return self

    def shutdown(self) -> None:
        self.server.should_exit = True
        self.stopped.wait(10)

    def server_close(self) -> None:
        self.socket.close()

