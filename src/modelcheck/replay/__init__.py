"""Record a target's HTTP once, replay it in every later run: no network, no key, the same verdicts."""
