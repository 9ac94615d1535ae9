"""Reports: aggregate verdicts, then render them (terminal text, JSON)."""
