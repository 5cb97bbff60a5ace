"""Observing a model: the calls modelcheck makes and the plain records they leave."""
