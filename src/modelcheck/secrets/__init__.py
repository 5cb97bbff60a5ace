"""Secrets: which fields hold them, every secret a run knows of, and the scrubber that hides them."""
