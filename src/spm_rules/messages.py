"""The one error root of the package: a message in Bahasa Indonesia and in English, and where.

Lives at the bottom of the package so that every stage can raise it without importing another.
Every problem the user is told about — a bad rule file, period, mapping, config, data folder,
worked-example manifest, an unknown standard, an unbalanced ledger — is a `BilingualError`;
the CLI catches it in one place and prints `report(lang)`.
"""

from __future__ import annotations


class BilingualError(ValueError):
    """An input problem explained in both languages; `str()` gives the English text.

    `where` is the position it concerns (`file`, `file:line` or `file:line:col`), if any.
    """

    def __init__(self, message: str, message_en: str, where: str | None = None):
        super().__init__(f"{where}: {message_en}" if where else message_en)
        self.message, self.message_en, self.where = message, message_en, where

    def text(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message

    def report(self, lang: str = "id") -> str:
        """What the user reads: the position, then the message."""
        return f"{self.where}: {self.text(lang)}" if self.where else self.text(lang)


class DataFolderMissing(BilingualError):
    def __init__(self, folder: str):
        super().__init__(f"folder data tidak ditemukan: {folder}", f"data folder not found: {folder}")
