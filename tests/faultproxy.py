"""A TCP proxy that breaks the link to PostgreSQL or Redis on command: the fault injector of the
fault tests and of ``bench/faults.py``.

Clients connect to the proxy's port instead of the server's; an asyncio loop in a daemon thread
copies bytes both ways. The controls, callable from any thread, each return once in force:

- ``cut()``: every open connection is aborted (both sides get a reset) and new connections are
  refused, as when the server or its host goes away, until ``heal()``;
- ``blackhole()``: nothing flows either way and new connections hang unanswered, as when a
  partition makes packets vanish; TCP retransmits them, so on ``heal()`` what was held flows on;
- ``cut_on_reply(marker, times, before_cut)``: the next ``times`` server replies that contain
  ``marker`` are not forwarded; their connections are aborted instead, after calling
  ``before_cut(client_address)`` if given (in the proxy's thread). With ``POSTGRES_COMMIT`` the
  server has committed and the client never learns it: the link dropped right after COMMIT;
- ``heal()``: back to passing everything.

Use it as a context manager or call ``start()``/``stop()``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

# PostgreSQL's CommandComplete message for COMMIT: 'C', length 11, "COMMIT\0" (the wire
# protocol, "Message Formats"). Sent by the server once the transaction is durable.
POSTGRES_COMMIT = b"C\x00\x00\x00\x0bCOMMIT\x00"

_CHUNK = 65536


class _Link:
    """One client connection and its upstream connection."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.address = client.get_extra_info("peername")  # the client's (host, port)
        self.server: asyncio.StreamWriter | None = None
        self.closed = False

    def abort(self) -> None:
        self.closed = True
        for writer in (self.client, self.server):
            if writer is not None:
                writer.transport.abort()


class FaultProxy:
    """Forward ``127.0.0.1:port`` to ``upstream_host:upstream_port``, with faults on command."""

    def __init__(self, upstream_host: str, upstream_port: int, *, port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.connections = 0  # accepted so far
        self.reply_cuts = 0  # connections aborted by cut_on_reply
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._links: set[_Link] = set()
        self._flowing: asyncio.Event | None = None
        self._marker = b""
        self._marker_left = 0
        self._before_cut: Callable[[tuple], None] | None = None

    # --- life cycle ---------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- controls -------------------------------------------------------------------------
    def cut(self) -> None:
        self._call(self._cut())

    def blackhole(self) -> None:
        self._call(self._blackhole())

    def cut_on_reply(
        self, marker: bytes, times: int = 1, before_cut: Callable[[tuple], None] | None = None
    ) -> None:
        self._call(self._arm(marker, times, before_cut))

    def heal(self) -> None:
        self._call(self._heal())

    @property
    def armed(self) -> int:
        """Reply cuts still to come."""
        return self._marker_left

    # --- inside the loop --------------------------------------------------------------------
    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for link in list(self._links):
            link.abort()
        self._links.clear()

    async def _shutdown(self) -> None:
        await self._cut()
        self._flowing.set()  # what waited in a blackhole finds its link closed and ends
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=2)

    async def _blackhole(self) -> None:
        self._flowing.clear()

    async def _arm(self, marker: bytes, times: int, before_cut) -> None:
        self._marker, self._marker_left, self._before_cut = marker, times, before_cut

    async def _heal(self) -> None:
        self._marker_left = 0
        if self._server is None:
            await self._listen()
        self._flowing.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        link = _Link(writer)
        self._links.add(link)
        try:
            await self._flowing.wait()  # a connection made into a blackhole waits, unanswered
            if link.closed:
                return
            try:
                upstream_reader, link.server = await asyncio.open_connection(*self.upstream)
            except OSError:
                link.abort()
                return
            await asyncio.gather(
                self._pipe(reader, link.server, link, replies=False),
                self._pipe(upstream_reader, writer, link, replies=True),
            )
        finally:
            link.abort()
            self._links.discard(link)

    async def _pipe(self, reader, writer, link: _Link, *, replies: bool) -> None:
        tail = b""
        try:
            while not link.closed:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                await self._flowing.wait()  # held while blackholed, then delivered in order
                if link.closed:
                    break
                if replies and self._marker_left and self._marker in tail + data:
                    self._marker_left -= 1
                    self.reply_cuts += 1
                    if self._before_cut is not None:
                        self._before_cut(link.address)
                    break  # the reply is never forwarded: abort below
                writer.write(data)
                await writer.drain()
                if replies and self._marker:
                    tail = data[-(len(self._marker) - 1) :]
        except (OSError, asyncio.IncompleteReadError):
            pass
        link.abort()
