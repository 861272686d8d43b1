"""Ask a broker whether it takes a login: one bare MQTT 5 CONNECT, no client library.

Used after a broker was told to read its password file again, to know when it has.
"""

from __future__ import annotations

import socket


def login_accepted(port: int, login: str, password: str, timeout: float = 2.0) -> bool:
    """Whether the broker on ``127.0.0.1:port`` lets ``login`` in (an MQTT 5 CONNECT with a
    clean start and no session kept, then DISCONNECT)."""

    def string(data: bytes) -> bytes:
        return len(data).to_bytes(2, "big") + data

    # protocol name, level 5, flags: user name, password, clean start; keepalive 10 s; no
    # properties (session expiry 0: nothing stays behind)
    body = string(b"MQTT") + b"\x05\xc2\x00\x0a\x00"
    body += string(login.encode()) + string(login.encode()) + string(password.encode())
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"\x10" + _varint(len(body)) + body)
            answer = b""
            while (reason := _connack_reason(answer)) is None:
                chunk = sock.recv(256)
                if not chunk:
                    return False
                answer += chunk
            accepted = reason == 0x00  # Success
            if accepted:
                sock.sendall(b"\xe0\x00")  # DISCONNECT, normal
            return accepted
    except OSError:
        return False


def _connack_reason(data: bytes) -> int | None:
    """The reason code of the CONNACK ``data`` starts with, -1 for another packet, ``None``
    until the packet is whole."""
    length, shift, index = 0, 0, 1
    while True:
        if index >= len(data):
            return None
        byte = data[index]
        length |= (byte & 0x7F) << shift
        index += 1
        if byte < 0x80:
            break
        shift += 7
    if len(data) < index + length:
        return None
    return data[index + 1] if data[0] == 0x20 and length >= 2 else -1


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)
