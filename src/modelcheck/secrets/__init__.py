"""Secrets: which fields hold them, every secret a run knows of, the canaries planted in their place,
and the scrubber that hides them."""
