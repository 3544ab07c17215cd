"""Requests take turns at the door, never inside the thread pool.

A request holds its database connection from its first query to its commit,
and in between it needs threads from the pool for its next steps. When more
requests arrive than the database pool has connections, those without one
wait for it inside a thread; once every thread is taken that way, the
requests holding the connections can get no thread to finish with, and all of
them stall until the pool's timeout answers 503: about twice as many requests
at once as the process has threads, a burst rather than a siege.

So at most as many requests as the pool has connections are let in at a time
(`GIVEASK_THREADS`, which sizes both); the others wait on the event loop, in
the order they came, costing nothing but a place in the queue. The health
check goes past the queue: it has its own threads and a deadline, and a
balancer asks it precisely when the app is busy.
"""

from __future__ import annotations

import asyncio
import weakref

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

UNQUEUED_PATHS = frozenset({"/healthz"})


class Admission:
    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        # One queue per event loop (each test client runs its own loop).
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = (
            weakref.WeakKeyDictionary())

    def _queue(self) -> anyio.Semaphore:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = anyio.Semaphore(self.limit, fast_acquire=True)
            self._queues[loop] = queue
        return queue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED_PATHS:
            await self.app(scope, receive, send)
            return
        async with self._queue():
            await self.app(scope, receive, send)
