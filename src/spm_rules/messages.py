"""One error shape for the whole package: a message in Bahasa Indonesia and in English.

Lives at the bottom of the package so that every stage can raise it without importing another.
"""

from __future__ import annotations


class BilingualError(ValueError):
    """An input problem explained in both languages; `str()` gives the English text."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en

    def text(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message
