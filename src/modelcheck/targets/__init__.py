"""Targets: turning `module:Name` (or a langchain-tests class) into a model, and containing its code.

Model code that is not a model call (building, `repr`, properties) runs here under the target's
timeout, and what it does to the process (`os._exit`, stray threads, patching langchain-core)
cannot decide how the run ends.
"""
