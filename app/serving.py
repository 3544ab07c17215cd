"""Several worker processes on one port, each with a listening socket of its own.

uvicorn's own ``--workers`` hands one listening socket to every worker, and
whichever wakes first takes every connection waiting: when 32 clients connected
at once, one worker was seen holding 30 of them and the other 2, so one core
queued what two could have served, and the slow half set the p99. With
``SO_REUSEPORT`` each worker listens on a socket of its own and the kernel
spreads new connections over them (measured: 15/17, 18/14, 14/18).

Where the platform has no ``SO_REUSEPORT`` (or for one worker, or with
``--reload``) serving falls back to ``uvicorn.run``.

Run a factory this way with ``python -m app.serving --factory module:name``;
``giveask serve`` uses it for the app.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

# A worker that dies within this long of its start is not restarted in a loop:
# it is broken, not unlucky.
QUICK_DEATH_SECONDS = 5.0


@dataclass(frozen=True)
class Serving:
    factory: str
    host: str
    port: int
    workers: int = 1
    log_level: str = "info"
    access_log: bool = True
    proxy_headers: bool = True
    uvicorn_options: dict[str, Any] = field(default_factory=dict)

    def uvicorn_config(self) -> dict[str, Any]:
        return {"app": self.factory, "factory": True, "log_level": self.log_level,
                "access_log": self.access_log, "proxy_headers": self.proxy_headers,
                "loop": "auto", "http": "auto", **self.uvicorn_options}


def reuse_port_available() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def port_is_free(host: str, port: int) -> None:
    """Raises OSError when something listens on the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))


def _worker(serving: Serving) -> None:
    import uvicorn

    sock = listening_socket(serving.host, serving.port)
    uvicorn.Server(uvicorn.Config(**serving.uvicorn_config())).run(sockets=[sock])


def serve(serving: Serving, *, reload: bool = False) -> None:
    """Serve until SIGINT or SIGTERM; a worker that dies is replaced."""
    import uvicorn

    if serving.workers > 1 and serving.port == 0:
        raise SystemExit("Several workers need a port of their own choosing, not 0: "
                         "each would listen on another one.")
    if serving.workers <= 1 or reload or not reuse_port_available():
        uvicorn.run(host=serving.host, port=serving.port, workers=serving.workers,
                    reload=reload, **serving.uvicorn_config())
        return
    # Bound once here first without SO_REUSEPORT: a port that is taken, by
    # anything or by another Giveask, fails now and clearly, not in N workers
    # at once (or not at all, two servers sharing the port unawares).
    try:
        port_is_free(serving.host, serving.port)
    except OSError as error:
        raise SystemExit(f"Cannot listen on {serving.host}:{serving.port}: "
                         f"{error.strerror or error}") from None
    Supervisor(serving).run()


class Supervisor:
    def __init__(self, serving: Serving) -> None:
        self.serving = serving
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[tuple[BaseProcess, float]] = []
        self.stopping = False

    def start_one(self) -> tuple[BaseProcess, float]:
        process = self.context.Process(target=_worker, args=(self.serving,), daemon=False)
        process.start()
        return process, time.monotonic()

    def stop(self, _signal: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        self.processes = [self.start_one() for _ in range(self.serving.workers)]
        try:
            while not self.stopping:
                time.sleep(0.5)
                # A stop signal reaches the workers too (Ctrl-C, a service
                # manager's stop): those that end now are not to be replaced.
                if self.stopping:
                    break
                self.replace_dead()
        finally:
            for process, _ in self.processes:
                if process.is_alive():
                    process.terminate()
            for process, _ in self.processes:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()

    def replace_dead(self) -> None:
        kept: list[tuple[BaseProcess, float]] = []
        for process, started in self.processes:
            if process.is_alive():
                kept.append((process, started))
            elif time.monotonic() - started < QUICK_DEATH_SECONDS:
                self.stopping = True
                raise SystemExit(f"a worker exited with {process.exitcode} at start-up")
            else:
                kept.append(self.start_one())
        self.processes = kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factory", required=True, help="module:callable returning the app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    serve(Serving(factory=args.factory, host=args.host, port=args.port, workers=args.workers,
                  log_level=args.log_level, access_log=not args.no_access_log))


if __name__ == "__main__":
    main()
