"""Connector specs: the typed model every JSON spec validates against, the catalogue loader
and the scaffold for new specs."""
