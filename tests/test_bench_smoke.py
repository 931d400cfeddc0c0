"""The benchmark's load generator counts what a server really answered (no timing here)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

from bench.loadgen import LoadSpec, run_load, run_load_in_process


class TinyServer:
    """HTTP/1.1 keep-alive on loopback: /ok is 200, /chunked is a chunked 200, else 404.
    Every request gets its own answer in a fresh chunk of bytes, and is counted by path."""

    def __init__(self) -> None:
        self.answered: Counter[str] = Counter()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                if path == "/ok":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b'Content-Length: 15\r\n\r\n{"status":"ok"}'
                    )
                elif path == "/chunked":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                    )
                else:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
                self.answered[path] += 1
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_the_load_generator_counts_every_answer_and_its_status():
    server = TinyServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        result = await run_load(
            LoadSpec(
                host="127.0.0.1",
                port=port,
                paths=("/ok", "/chunked", "/missing"),
                connections=4,
                warmup=0.1,
                duration=0.4,
            )
        )
    assert result.errors == {}
    assert sum(result.statuses.values()) == sum(server.answered.values())
    assert result.statuses[200] == server.answered["/ok"] + server.answered["/chunked"]
    assert result.statuses[404] == server.answered["/missing"] > 0
    assert result.failures == result.statuses[404]
    assert 0 < result.requests <= sum(server.answered.values())
    assert result.first_failure.startswith("HTTP/1.1 404 Not Found")


def test_the_load_generator_runs_in_a_separate_process_and_reports_back():
    server = TinyServer()
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()
    port: list[int] = []

    async def serve() -> None:
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port.append(listening.sockets[0].getsockname()[1])
        ready.set()
        async with listening:
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(5)
    try:
        result = run_load_in_process(
            LoadSpec(host="127.0.0.1", port=port[0], paths=("/ok",), warmup=0.1, duration=0.4)
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)
        loop.close()
    assert result.failures == 0
    assert result.statuses == {200: server.answered["/ok"]}
    assert result.requests > 0 and result.rps > 0
    assert result.p50_ms <= result.p99_ms <= result.max_ms
