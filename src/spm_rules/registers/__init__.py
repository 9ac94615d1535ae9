"""Registers: read -> validate -> subjects."""
