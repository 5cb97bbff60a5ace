"""The checks: pure functions from an `Observation` to a `Verdict`, one module per family."""
