"""event-snapshot's store: syrupy's own session, driven from modelcheck's check items.

modelcheck's items are not test functions, so there is no `snapshot` fixture. This module builds
the same `SnapshotAssertion` the fixture builds, from the `SnapshotSession` syrupy keeps for the
pytest session, with a stand-in test location per target. So syrupy itself reads and writes the
file, `--snapshot-update` writes it, and syrupy's report counts it (generated, updated, failed,
unused, and `--snapshot-details`).

Only the serializer is ours (`EventSnapshotExtension.serialize`): syrupy's storage hooks changed
between majors, its `serialize` signature did not. The file is
`<rootdir>/__snapshots__/modelcheck/<target>.json`, one event per line.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.data import SnapshotCollections
from syrupy.extensions.json import JSONSnapshotExtension

from modelcheck.core.events import render
from modelcheck.core.paths import snapshot_name
from modelcheck.core.records import Observation, SnapshotResult

SITE = "modelcheck"
DIFF_CONTEXT = 1


class OwnFilesExtension(JSONSnapshotExtension):
    """A JSON extension that claims one file: the snapshot of the target whose assertion asks.

    syrupy finds "unused" snapshots among the files an extension discovers, and `--snapshot-update`
    deletes them. Discovering the whole of `__snapshots__/modelcheck/` would have a run that checks
    one target delete the reviewed snapshots of every other target, and (syrupy before 6) the
    cassettes beside them as "unknown" files. So a run only ever sees, writes or deletes the files
    of the targets it checked; a file of a target no longer checked stays until it is removed by
    hand. Discovery from any other test location (a user's own test files) finds nothing.
    """

    def discover_snapshots(self, *, test_location: Any, ignore_extensions: Any = None) -> Any:
        own = SnapshotCollections()
        site = getattr(test_location, "item", None)
        if not isinstance(site, SiteItem):
            return own
        found = super().discover_snapshots(test_location=test_location, ignore_extensions=ignore_extensions)
        name = f"{site.name}.{self.file_extension}"
        for collection in found:
            if Path(collection.location).name == name:
                own.add(collection)
        return own


class EventSnapshotExtension(OwnFilesExtension):
    """JSON snapshots whose bytes modelcheck decides: the same file on every syrupy version."""

    def serialize(self, data: Any, *, exclude: Any = None, include: Any = None, matcher: Any = None) -> str:
        return render(data)


class SerializedSnapshotExtension(OwnFilesExtension):
    """The serialized form (`serialization`): sorted keys, two-space indent, on every syrupy version."""

    def serialize(self, data: Any, *, exclude: Any = None, include: Any = None, matcher: Any = None) -> str:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)


@dataclasses.dataclass
class _Obj:
    __module__: str
    __name__: str


class SiteItem:
    """What syrupy's `PyTestLocation` reads of a test item, for one target's snapshot."""

    def __init__(self, rootdir: Path, target: str, suffix: str = "") -> None:
        self.name = snapshot_name(target) + suffix
        self.path = rootdir / SITE
        self.nodeid = f"{SITE}::{self.name}"
        self.obj = _Obj(SITE, self.name)
        self.stash = pytest.Stash()


class SyrupyStore:
    """Compares a document with the target's snapshot through syrupy's session."""

    def __init__(
        self,
        config: pytest.Config,
        session: Any,
        target: str,
        suffix: str = "",
        extension: type[JSONSnapshotExtension] = EventSnapshotExtension,
    ) -> None:
        self.config = config
        self.session = session
        self.site = SiteItem(config.rootpath, target, suffix)
        self.extension = extension

    def __call__(self, document: dict[str, Any]) -> SnapshotResult:
        assertion = self._assertion()
        assertion == document  # noqa: B015 - syrupy's assertion runs in __eq__
        result = assertion.executions[assertion.num_executions - 1]
        where = self._relative(str(result.snapshot_location))
        if result.exception is not None:
            error = result.exception
            return SnapshotResult("error", where, f"{type(error).__name__}: {error}")
        if result.created:
            return SnapshotResult("created", where)
        if result.updated:
            return SnapshotResult("updated", where)
        if result.success:
            return SnapshotResult("matched", where)
        if result.recalled_data is None:
            return SnapshotResult("missing", where)
        return SnapshotResult(
            "changed", where, text_diff(str(result.recalled_data), str(result.asserted_data))
        )

    def _assertion(self) -> Any:
        from syrupy.assertion import SnapshotAssertion
        from syrupy.location import PyTestLocation

        option = self.config.option
        given = {
            "session": self.session,
            "extension_class": self.extension,
            "test_location": PyTestLocation(self.site),  # type: ignore[arg-type]
            "update_snapshots": bool(option.update_snapshots),
            "update_new_snapshots_only": bool(getattr(option, "update_new_snapshots_only", False)),
        }
        accepted = {f.name for f in dataclasses.fields(SnapshotAssertion) if f.init}
        return SnapshotAssertion(**{k: v for k, v in given.items() if k in accepted})

    def _relative(self, location: str) -> str:
        try:
            return str(Path(location).relative_to(self.config.rootpath))
        except ValueError:
            return location


def attach(observation: Observation, config: pytest.Config) -> None:
    """Give an observation the target's snapshot stores (none without syrupy): the event stream's
    `<target>.json` and the serialized form's `<target>.serialized.json`."""
    session = getattr(config, "_syrupy", None)
    if session is None:
        observation.snapshot = observation.serial_snapshot = None
        return
    observation.snapshot = SyrupyStore(config, session, observation.target)
    observation.serial_snapshot = SyrupyStore(
        config, session, observation.target, ".serialized", SerializedSnapshotExtension
    )


def text_diff(before: str, after: str) -> str:
    """The changed lines with one line of context; '?' lines point at the changed characters."""
    old, new = before.splitlines(), after.splitlines()
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(DIFF_CONTEXT):
        out.append(f"@@ snapshot line {group[0][1] + 1}, this run line {group[0][3] + 1} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(f"  {line}" for line in old[i1:i2])
            elif tag == "replace" and i2 - i1 == j2 - j1:
                for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                    out.extend(line.rstrip("\n") for line in difflib.ndiff([a], [b]))
            else:
                out.extend(f"- {line}" for line in old[i1:i2])
                out.extend(f"+ {line}" for line in new[j1:j2])
    return "\n".join(out)
