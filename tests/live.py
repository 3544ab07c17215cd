"""Real processes for fault and load tests: the app served by uvicorn on
127.0.0.1, and a throwaway PostgreSQL cluster that a test may stop, start,
freeze (SIGSTOP) and thaw.

Everything here is bounded in time and cleans up after itself.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import required

ROOT = Path(__file__).resolve().parent.parent
SECRET = "live-tests-secret-0123456789abcdef-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(database_url: str, folder: Path, *, env: dict[str, str] | None = None,
                 workers: int = 1) -> Server:
    """uvicorn serving the app's factory on a free port, ready when it answers."""
    port = free_port()
    environment = {**os.environ, "GIVEASK_DATABASE_URL": database_url,
                   "GIVEASK_SECRET_KEY": SECRET, "GIVEASK_ENV": "test", **(env or {})}
    log_path = folder / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
             "--log-level", "warning"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(server.url + "/healthz", timeout=5)
            return server
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise RuntimeError("the app did not start:\n" + server.log()) from None
            time.sleep(0.2)


def _pg_binary(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: [int(n) for n in re.findall(r"\d+", p)])
    if candidates:
        return candidates[-1]
    return shutil.which(name)


def need_initdb() -> tuple[str, str, str | None]:
    """initdb and pg_ctl, and the account to run them as (root may not)."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    reason = ""
    user: str | None = None
    if initdb is None or pg_ctl is None:
        reason = ("these tests start a PostgreSQL of their own and need initdb and pg_ctl "
                  "(apt-get install postgresql)")
    elif os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres").pw_name
        except KeyError:
            reason = "PostgreSQL refuses to run as root and there is no 'postgres' account"
        if shutil.which("runuser") is None:
            reason = "running PostgreSQL as 'postgres' from root needs runuser"
    if reason:
        if required("GIVEASK_REQUIRE_POSTGRES"):
            pytest.fail(reason + " and GIVEASK_REQUIRE_POSTGRES=1 requires them")
        pytest.skip(reason)
    assert initdb is not None and pg_ctl is not None
    return initdb, pg_ctl, user


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, on a free port of 127.0.0.1."""

    initdb: str
    pg_ctl: str
    user: str | None
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="giveask-pg-")))
    port: int = field(default_factory=free_port)
    frozen: list[int] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, args: Sequence[str], timeout: float = 60) -> None:
        command = list(args)
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n"
                               + result.stdout.decode(errors="replace")
                               + result.stderr.decode(errors="replace"))

    def create(self) -> None:
        if self.user is not None:
            shutil.chown(self.folder, self.user)
        self._run([self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--no-sync", "--no-instructions"], timeout=120)
        self.start()

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c fsync=off -c full_page_writes=off")
        self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.folder / "server.log"),
                   "-o", options, "-w", "-t", "60", "start"], timeout=90)

    def stop(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"],
                  timeout=90)

    def _pids(self) -> list[int]:
        """The postmaster and its children (each backend leads its own process
        group, so a group signal would miss them)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                text = Path(stat).read_text()
            except OSError:
                continue
            ppid = int(text.rsplit(")", 1)[1].split()[1])
            if ppid == postmaster:
                children.append(int(stat.split("/")[2]))
        return [postmaster, *children]

    def freeze(self) -> None:
        """Simulate a hung database: every process of the cluster stops, while
        the kernel still accepts its connections."""
        self.frozen = self._pids()
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self.frozen):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []

    def destroy(self) -> None:
        self.thaw()
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w",
                           "-t", "30", "stop"], timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
