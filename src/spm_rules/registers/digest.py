"""The SHA-256 of a file's bytes as they were read, so that a report names exactly the
inputs behind its numbers — computed once, beside the reading, not by reading the file again.

The reader gives each chunk of the file to the digest as it reads it (`csvscan.chunks`); a
thread of its own hashes the chunks in order (`hashlib` lets go of the interpreter's lock
while it hashes a large buffer), so the hash runs on the other core while the reader counts
the same bytes. The bytes hashed are those the reader's layout check read (`duckcsv`); DuckDB
reads the same file. A file that goes to the Python readers is hashed when the report names
it.
"""

from __future__ import annotations

import hashlib
import queue
import threading

_WAITING = 8  # chunks waiting to be hashed at most (the reader waits beyond: memory bounded)


class FileDigest:
    """A digest of the chunks given to it, computed in a thread of its own; `hexdigest`
    waits for it. `close` ends the thread (a file whose reading stopped half-way)."""

    __slots__ = ("_chunks", "_closed", "_hash", "_thread")

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._chunks: queue.Queue[bytes | None] = queue.Queue(_WAITING)
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            self._hash.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._chunks.put(None)
            self._thread.join()

    def hexdigest(self) -> str:
        self.close()
        return self._hash.hexdigest()
