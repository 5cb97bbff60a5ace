"""Which frames are the model's own code, and where in it something happened.

The model's code is the modules of its own classes (see `observation.model_modules`), not
langchain-core's or pydantic's. Used to say where the loop was held and where an error was raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Literal

Origin = Literal["model", "langchain", "other"]
FRAMEWORK_PREFIXES = ("langchain_core", "pydantic")


def in_model(frame: FrameType, modules: tuple[str, ...]) -> bool:
    name = frame.f_globals.get("__name__", "")
    return any(name == m or name.startswith(m + ".") for m in modules)


def spot(frame: FrameType | None, line: int | None = None) -> str:
    """'_call (mymodel.py:12)'."""
    if frame is None:
        return "?"
    code = frame.f_code
    return f"{code.co_name} ({code.co_filename.rsplit('/', 1)[-1]}:{line or frame.f_lineno})"


def raise_site(exc: BaseException, modules: tuple[str, ...]) -> tuple[str | None, Origin]:
    """Where `exc` was raised in the model's code (its innermost frame there), and whose code raised
    it: the model's; else langchain-core's (or pydantic's) around the model; else other code's."""
    steps = list(_walk(exc.__traceback__))
    own = [tb for tb in steps if in_model(tb.tb_frame, modules)]
    if own:
        return spot(own[-1].tb_frame, own[-1].tb_lineno), "model"
    innermost = steps[-1].tb_frame.f_globals.get("__name__", "") if steps else ""
    return None, "langchain" if innermost.startswith(FRAMEWORK_PREFIXES) else "other"


def _walk(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next
