"""Project settings for the rule tooling, read from `spm-rules.yaml`.

```yaml
lint:
  fail_on: warning        # error (default) | warning | info: the lowest severity that fails
  severity:               # per code: error | warning | info | off
    W202: off
test:
  threshold: 100          # default for --threshold with --coverage
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..lang.errors import Severity
from ..messages import BilingualError

CONFIG_NAME = "spm-rules.yaml"
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class ConfigError(BilingualError):
    """Config problems, in both languages."""


@dataclass(frozen=True)
class LintConfig:
    fail_on: Severity = Severity.ERROR
    overrides: dict[str, Severity | None] = field(default_factory=dict)
    threshold: float | None = None

    def severity_of(self, code: str, default: Severity) -> Severity | None:
        """The configured severity, or None when the code is switched off."""
        return self.overrides.get(code, default)

    def fails(self, severity: Severity) -> bool:
        return _RANK[severity] >= _RANK[self.fail_on]


def _severity(value: object, where: str) -> Severity | None:
    if value is False:  # YAML 1.1 reads a bare `off` as false
        return None
    text = str(value).lower()
    if text == "off":
        return None
    try:
        return Severity(text)
    except ValueError:
        raise ConfigError(
            f"{where}: tingkat '{value}' tidak dikenal (error, warning, info, off)",
            f"{where}: unknown severity '{value}' (error, warning, info, off)",
        ) from None


def load_config(path: Path | None) -> LintConfig:
    """Read the given file, or `spm-rules.yaml` in the current folder if there is one."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.exists():
            return LintConfig()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: file tidak ditemukan", f"{path}: file not found") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: YAML tidak sah: {err}", f"{path}: invalid YAML: {err}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: harus berupa pemetaan", f"{path}: must be a mapping")
    lint = doc.get("lint") or {}
    test = doc.get("test") or {}
    fail_on = _severity(lint.get("fail_on", "error"), f"{path}: lint.fail_on") or Severity.ERROR
    overrides = {
        str(code): _severity(sev, f"{path}: lint.severity.{code}")
        for code, sev in (lint.get("severity") or {}).items()
    }
    threshold = test.get("threshold")
    return LintConfig(fail_on, overrides, float(threshold) if threshold is not None else None)
