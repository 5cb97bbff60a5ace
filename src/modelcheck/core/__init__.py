"""The core types every wing shares: records, verdicts, capabilities, consensus, settings, events,
and the probe ids (probe_ids.py) by which the checks and the observer name the same model calls.

Nothing here imports another wing of modelcheck: the checks, the observer, the pytest glue and the
reports all build on these.
"""
