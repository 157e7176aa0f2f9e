"""Glassbox: governed AI services with a verifiable transparency log."""

__version__ = "0.1.0"
