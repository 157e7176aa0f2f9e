"""The server's listening socket: accepted connections get TCP_NODELAY from asyncio."""

from __future__ import annotations

import socket

from glassbox.cli._node import _listen
from tests.live import free_port


def test_the_listening_socket_names_tcp_so_answers_are_not_delayed() -> None:
    """asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP; with 0, each
    small answer on a kept-alive connection waited for the peer's delayed ACK (~40 ms)."""
    sock = _listen("127.0.0.1", free_port())
    try:
        assert sock.proto == socket.IPPROTO_TCP
        sock.listen()
        with socket.create_connection(sock.getsockname()):
            accepted, _ = sock.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
