"""`python -m spm_rules` runs the command line."""

from .cli.main import entry

entry()
