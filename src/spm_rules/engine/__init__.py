"""The engine: evaluate a checked standard over subjects -> verdicts with evidence."""
