"""The core types every wing shares: records, verdicts, capabilities, consensus, settings, events.

Nothing here imports another wing of modelcheck: the checks, the observer, the pytest glue and the
reports all build on these.
"""
