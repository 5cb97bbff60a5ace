"""The pytest glue: run state, collected items, suites, the fixture and `check()`, settings, snapshots.

Every way in (`--modelcheck`, `fixture:` targets, `modelcheck.suite`, `modelcheck.check`) observes
through `judging.observe_target` and judges through `judging.judge`, so a check gives the same
verdict whichever way it was asked for.
"""
