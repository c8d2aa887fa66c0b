"""skillnest: one open backend for skill platforms."""

__version__ = "0.1.0"
