"""Rule tooling for CI: lint, test (with coverage), fmt."""
