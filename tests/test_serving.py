"""`giveask serve --workers N`: N processes, each listening on the port, share
the connections and stop together (app/serving.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.serving import reuse_port_available
from tests.served import free_port

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not reuse_port_available(), reason="no SO_REUSEPORT here")


def start(port: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.serving", "--factory", "tests.pid_app:make",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--no-access-log"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def pids_of(port: int, connections: int) -> Counter[int]:
    """Which process answers each of `connections` new connections, all open
    at once as a load generator's are."""
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
               for _ in range(connections)]
    try:
        return Counter(int(client.get("/pid").text) for client in clients)
    finally:
        for client in clients:
            client.close()


def wait_until_serving(port: int, workers: int, process: subprocess.Popen[bytes]) -> set[int]:
    deadline = time.monotonic() + 60
    seen: set[int] = set()
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
        with contextlib.suppress(httpx.HTTPError):
            seen |= set(pids_of(port, 8))
        if len(seen) >= workers:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"only {len(seen)} of {workers} workers answered")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_workers_share_the_connections_and_stop_together() -> None:
    port = free_port()
    process = start(port, 2)
    try:
        workers = wait_until_serving(port, 2, process)
        assert process.pid not in workers
        counts = pids_of(port, 32)
        assert set(counts) <= workers
        # The kernel spreads connections by their addresses: neither worker is
        # left with (nearly) all of them, as one shared socket allowed.
        assert min(counts.get(pid, 0) for pid in workers) >= 4, counts
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)


def test_a_worker_that_dies_is_replaced() -> None:
    port = free_port()
    process = start(port, 2)
    try:
        workers = wait_until_serving(port, 2, process)
        time.sleep(5.5)  # past the start-up window in which a death stops everything
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        now: set[int] = set()
        while time.monotonic() < deadline:
            now = set(pids_of(port, 16))
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.3)
        assert victim not in now and len(now) == 2, now
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_a_taken_port_fails_at_once() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = start(port, 2)
        output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert f"Cannot listen on 127.0.0.1:{port}: Address already in use".encode() in output


def test_a_second_server_on_the_same_port_fails() -> None:
    port = free_port()
    first = start(port, 2)
    try:
        wait_until_serving(port, 2, first)
        second = start(port, 2)
        output, _ = second.communicate(timeout=60)
        assert second.returncode != 0
        assert b"Address already in use" in output
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)


def test_a_stop_sent_to_the_whole_group_at_start_up_is_a_clean_stop() -> None:
    """Ctrl-C or a service manager signals every process at once; the workers
    ending then is the stop, not a crash."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.serving", "--factory", "tests.pid_app:make",
         "--port", str(port), "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_serving(port, 2, process)
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output.decode()
    assert b"exited" not in output


def test_port_zero_is_refused_for_several_workers() -> None:
    process = start(0, 2)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert b"not 0" in output
