"""Why a standard is not compiled: the one error the compiler raises.

`check` catches it, says on stderr which standard falls back to the interpreter and why, and
evaluates that standard with the interpreter; nothing falls back silently.
"""

from __future__ import annotations

from ...messages import BilingualError


class NotCompilable(BilingualError):
    """A construct the SQL compiler does not translate; `construct` names it."""

    def __init__(self, construct: str, standard: str | None = None):
        where = f"standar {standard}: " if standard else ""
        where_en = f"standard {standard}: " if standard else ""
        super().__init__(
            f"{where}tidak dapat dikompilasi: {construct}", f"{where_en}not compilable: {construct}"
        )
        self.construct = construct
        self.standard = standard
