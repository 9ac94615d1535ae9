"""The keys of a facility's subjects, in the register's order, without an object per key.

A city's report lists every subject's key (2,9 million for the twelve services). The compiled
path has DuckDB join each facility's keys into one text (`Keys.joined`), which the JSON report
writes as it is (`json_list`); a key is made an object of its own only when someone reads the
keys one by one. The interpreter appends them one at a time; both are the same `Keys`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

SEP = '", "'  # between two keys of a joined text: what a JSON list writes between two texts
# what JSON writes otherwise than as itself, but for the double quote (counted: `_whole`)
_ESCAPED = re.compile(r"[\x00-\x1f\\]")


def _whole(text: str, n: int) -> bool:
    """Whether `text` is `n` keys joined by `SEP` that no key holds a double quote of: each of
    its quotes is then a separator's, and splitting at `SEP` gives the keys back."""
    return text.count('"') == 2 * (n - 1)


class Keys(Sequence[str]):
    """A list of keys held as parts: lists of keys, or texts of keys joined by `SEP` with
    their number. Equal to any list of the same keys. Reading a key by its index makes the
    whole list (the report reads the keys in order, or writes them joined)."""

    __slots__ = ("_n", "_parts")

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._parts: list[list[str] | tuple[str, int]] = []  # none empty
        self._n = 0
        self.extend(keys)

    @classmethod
    def joined(cls, text: str | None, n: int) -> Keys | None:
        """`n` keys joined by `SEP` (none: `text` is None); None when they could not be told
        apart again (a key holding a double quote)."""
        out = cls()
        if n == 0:
            return out if text is None else None
        if text is None or not _whole(text, n):
            return None
        out._parts.append((text, n))
        out._n = n
        return out

    def append(self, key: str) -> None:
        parts = self._parts
        if not parts or not isinstance(parts[-1], list):
            parts.append([])
        last = parts[-1]
        assert isinstance(last, list)
        last.append(key)
        self._n += 1

    def extend(self, keys: Iterable[str]) -> None:
        """The keys added at the end; another `Keys`' joined texts are shared, not split."""
        if isinstance(keys, Keys):
            self._parts += [list(p) if isinstance(p, list) else p for p in keys._parts]
            self._n += keys._n
            return
        more = list(keys)
        if more:
            self._parts.append(more)
            self._n += len(more)

    def __iadd__(self, keys: Iterable[str]) -> Keys:
        self.extend(keys)
        return self

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[str]:
        for part in self._parts:
            if isinstance(part, list):
                yield from part
            else:
                yield from part[0].split(SEP)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        return list(self)[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Keys | list):  # (as a list: not equal to a tuple)
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # (mutable, like a list)

    def __repr__(self) -> str:
        return f"Keys({list(self)!r})"

    def json_list(self) -> str | None:
        """The keys as a JSON list on one line, as `json.dumps(list(keys), ensure_ascii=False)`
        writes it, made from the joined texts as they are; None when a key needs escaping."""
        return _listed(SEP.join(SEP.join(p) if isinstance(p, list) else p[0] for p in self._parts), self._n)


def json_text_list(texts: Sequence[str]) -> str | None:
    """`json.dumps(texts, ensure_ascii=False)` of a list of texts when none needs escaping,
    joined once (no string object per text); None otherwise."""
    return texts.json_list() if isinstance(texts, Keys) else _listed(SEP.join(texts), len(texts))


def _listed(body: str, n: int) -> str | None:
    """The JSON list of `n` texts joined by `SEP` into `body`; None when one needs escaping."""
    if not n:
        return "[]"
    if not _whole(body, n) or _ESCAPED.search(body) is not None:
        return None
    return '["' + body + '"]'
