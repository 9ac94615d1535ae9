"""Synthetic data: the regulation's worked examples, generated on first use."""
