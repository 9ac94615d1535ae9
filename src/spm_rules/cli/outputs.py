"""Writing result files safely: never half a file, never over the data being read.

A result (workbook, ledger, report) is written to a temporary file beside its target and moved
into place only when complete, so a run killed mid-save leaves the previous file intact. A
target inside the data folder being read — or onto an input register — is refused before any
work is done: the next run would read the report as a register, or the register would be lost.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ..messages import BilingualError


class OutputRefused(BilingualError):
    pass


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def check_targets(targets: Iterable[Path | None], folders: Iterable[Path]) -> None:
    """Refuse a result file inside a data folder being read (or onto one of its registers)."""
    folders = [f for f in folders if f is not None]
    for target in targets:
        if target is None:
            continue
        if target.exists() and target.is_dir():
            raise OutputRefused(
                f"{target} adalah folder; beri nama file", f"{target} is a folder; give a file name"
            )
        for folder in folders:
            if _inside(target, folder):
                raise OutputRefused(
                    f"tidak menulis {target} di dalam folder data yang dibaca ({folder}); pilih tempat lain",
                    f"will not write {target} inside the data folder being read ({folder}); "
                    "choose another place",
                )


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary file beside `target`, then move it into place."""
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # the permissions a plainly created file would have (mkstemp makes it private)
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        tmp.chmod(mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text_atomic(target: Path, text: str) -> None:
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_pieces_atomic(target: Path, pieces: Iterable[str]) -> None:
    """`write_text_atomic` of the pieces joined, each written as it comes."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as fh:
            for piece in pieces:
                fh.write(piece)

    write_atomic(target, write)
