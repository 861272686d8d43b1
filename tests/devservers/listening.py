"""Which TCP addresses a process listens on, read from /proc (no tool needed)."""

from __future__ import annotations

from pathlib import Path


def _address(hex_address: str) -> tuple[str, int]:
    host, port = hex_address.split(":")
    if len(host) == 8:  # IPv4, little-endian
        return ".".join(str(int(host[i : i + 2], 16)) for i in (6, 4, 2, 0)), int(port, 16)
    words = [bytes.fromhex(host[i : i + 8])[::-1].hex() for i in range(0, 32, 8)]
    return ":".join(w[j : j + 4] for w in words for j in (0, 4)), int(port, 16)


def listening(pid: int) -> set[tuple[str, int]]:
    """The TCP addresses process ``pid`` listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = fd.readlink().as_posix() if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(_address(fields[1]))
    return found
