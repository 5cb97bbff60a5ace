"""Where modelcheck keeps a target's files: `<rootdir>/__snapshots__/modelcheck/<name><suffix>`.

A target's event snapshot and serialized form (written by syrupy, see pytest/snapshot.py) and its
replay cassette (replay/plan.py) sit side by side under one name made from the target's.
"""

from __future__ import annotations

import re
from pathlib import Path

SNAPSHOT_DIR = ("__snapshots__", "modelcheck")


def snapshot_name(target: str) -> str:
    """A file name for a target: `pkg.models:ChatX` becomes `pkg.models.ChatX`."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", target.replace(":", "."))
    return name.strip("._") or "target"


def target_file(rootdir: Path, target: str, suffix: str) -> Path:
    """The path of one of the target's files, e.g. suffix ".cassette.yaml" for its cassette."""
    return rootdir.joinpath(*SNAPSHOT_DIR, snapshot_name(target) + suffix)
