"""modelcheck's version, as pyproject.toml gives it: one place that every wing can read."""

from __future__ import annotations

VERSION = "0.1.0"
