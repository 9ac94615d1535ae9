"""The data-contract page is generated from the schemas and must not drift from them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_data_contract_doc_is_current():
    spec = importlib.util.spec_from_file_location("contract_doc", ROOT / "scripts" / "contract_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8") == module.render()


def test_rules_doc_is_current():
    spec = importlib.util.spec_from_file_location("rules_doc", ROOT / "scripts" / "rules_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "rules-2016.md").read_text(encoding="utf-8") == module.render()
    assert (ROOT / "docs" / "rules-2019.md").read_text(encoding="utf-8") == module.render("2019")
    assert (ROOT / "docs" / "rules-2024.md").read_text(encoding="utf-8") == module.render("2024")


def test_language_doc_lists_the_builtin_catalogue():
    spec = importlib.util.spec_from_file_location("language_doc", ROOT / "scripts" / "language_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "language.md").read_text(encoding="utf-8") == module.render()
