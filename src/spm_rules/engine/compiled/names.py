"""The engines and SQL dialects by name: what the CLI offers, without loading DuckDB or
sqlglot (commands that do not compile — explain, lint, fmt — start faster)."""

ENGINES = ("auto", "compiled", "interpreter")
DIALECTS = ("duckdb", "postgres", "spark")
