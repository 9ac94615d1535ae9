"""The SHA-256 of a file's bytes as they were read, so that a report names exactly the
inputs behind its numbers — computed once, beside the reading, not by reading the file again.

`hashlib` lets go of the interpreter's lock while it hashes a large buffer, so the hash runs
on the other core while the reader looks at the same bytes (a city's register is a hundred
megabytes: reading and hashing it again after the check cost a second). The bytes hashed
are those the reader's layout check read (`duckcsv.read_csv_duckdb`); DuckDB reads the
same file. A file that goes to the Python readers is hashed when the report names it.
"""

from __future__ import annotations

import hashlib
import threading


class FileDigest:
    """A digest being computed in a thread of its own; `hexdigest` waits for it."""

    __slots__ = ("_hash", "_thread")

    def __init__(self, raw: bytes) -> None:
        self._hash = hashlib.sha256()
        self._thread = threading.Thread(target=self._hash.update, args=(raw,), daemon=True)
        self._thread.start()

    def hexdigest(self) -> str:
        self._thread.join()
        return self._hash.hexdigest()
