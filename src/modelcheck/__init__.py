"""modelcheck: check a custom LangChain model against the guides' contribution checklist.

Run it with `pytest --modelcheck=mypkg.models:ChatMyModel`. This module must stay cheap to
import: pytest loads it in every run, with or without modelcheck.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
