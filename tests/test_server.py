"""The app under a real uvicorn on 127.0.0.1: a chunked body over the limit is
refused while it streams, and a 500 leaves the keep-alive connection usable.
The server is a subprocess on a free port, stopped at the end of each test."""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def peak_memory_kb(self) -> int:
        """The process's peak resident size so far (VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM in /proc")

    def get(self, path: str) -> tuple[int, bytes]:
        connection = self.connection()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture()
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's memory")
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "GIVEASK_DATABASE_URL": database_url, "GIVEASK_SECRET_KEY": TEST_SECRET,
           "GIVEASK_ENV": "test"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "tests.server_app:make",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Server(port=port, process=process, log=log)
    try:
        for _ in range(300):  # up to about 30 s for the first start on a slow machine
            if process.poll() is not None:
                raise AssertionError(f"the server did not start:\n{log.read_text()}")
            try:
                if running.get("/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"the server never answered:\n{log.read_text()}")
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return data
        if not chunk:
            return data
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")]
            if length and len(body) >= length[0]:
                return data


def send_chunked(port: int, path: str, total: int) -> tuple[bytes, int]:
    """POST `total` bytes as a chunked body, stopping when the server answers or
    hangs up. Returns the response and how much of the body went out."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sent = 0
    try:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                     "Content-Type: application/json\r\n\r\n".encode())
        chunk = b"x" * 65536
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break  # the server answered before the body was through
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        return _read_response(sock), sent
    finally:
        sock.close()


class TestBodyLimit:
    def test_a_13_mb_chunked_body_is_a_413_and_the_server_stays_small(self, server):
        # Warm up with a body just under the limit, so the peak memory measured
        # below is what the big body adds, not what any first request costs.
        connection = server.connection()
        connection.request("POST", "/api/v1/workspaces", body=b"x" * (MB - 1000),
                           headers={"Content-Type": "application/json"})
        assert connection.getresponse().status in (400, 401)
        connection.close()
        before = server.peak_memory_kb()

        response, sent = send_chunked(server.port, "/api/v1/workspaces", 13 * MB)

        status_line, _, rest = response.partition(b"\r\n")
        assert status_line.split()[1] == b"413", response[:500]
        problem = json.loads(rest.partition(b"\r\n\r\n")[2])
        assert problem["type"].endswith("/too-large")
        assert b"connection: close" in rest.lower()
        assert sent < 13 * MB, "the server kept reading after the limit"
        grown_kb = server.peak_memory_kb() - before
        assert grown_kb < 8_000, f"the server grew by {grown_kb} KB"
        assert server.get("/healthz")[0] == 200
        assert server.process.poll() is None

    def test_a_declared_length_over_the_limit_is_refused_before_any_body(self, server):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        try:
            sock.sendall(b"POST /api/v1/workspaces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n")
            response = _read_response(sock)
        finally:
            sock.close()
        assert response.split(b"\r\n")[0].split()[1] == b"413"
        assert server.get("/healthz")[0] == 200


class TestCrashKeepsTheConnection:
    def test_an_api_500_is_a_problem_and_the_next_request_works(self, server):
        connection = server.connection()
        try:
            connection.request("GET", "/api/v1/test/crash")
            response = connection.getresponse()
            body = response.read()
            assert response.status == 500
            assert response.getheader("content-type").startswith("application/problem+json")
            assert json.loads(body)["type"].endswith("/internal")
            assert not response.will_close
            sock = connection.sock

            connection.request("POST", "/api/v1/test/crash", body=b'{"a": 1}',
                               headers={"Content-Type": "application/json"})
            again = connection.getresponse()
            again.read()
            assert again.status == 500

            connection.request("GET", "/healthz")
            healthy = connection.getresponse()
            healthy.read()
            assert healthy.status == 200
            assert connection.sock is sock, "the connection was reopened"
        finally:
            connection.close()
        assert b"Exception in ASGI application" not in server.log.read_bytes()

    def test_a_page_500_is_the_error_page_and_the_next_request_works(self, server):
        connection = server.connection()
        try:
            connection.request("GET", "/test/crash")
            response = connection.getresponse()
            page = response.read().decode()
            assert response.status == 500
            assert response.getheader("content-type").startswith("text/html")
            assert "Something went wrong" in page
            sock = connection.sock
            # A new instance: /login leads to first-run setup, a page all the same.
            connection.request("GET", "/setup")
            login = connection.getresponse()
            login.read()
            assert login.status == 200
            assert connection.sock is sock
        finally:
            connection.close()
        log = server.log.read_text()
        assert "unhandled error on GET /test/crash" in log
        assert "RuntimeError: a bug in a route" in log


class TestServerLog:
    def test_an_invitation_link_is_logged_without_its_token(self, server):
        token = "inv-secret-0123456789abcdef"
        status, _ = server.get(f"/invitations/{token}")
        assert status < 500  # the "not valid" page
        assert server.get("/healthz")[0] == 200  # the access log line above is out
        log = server.log.read_text()
        assert "/invitations/…" in log
        assert token not in log
