"""Typed, fast and safe access to the Atono public API, sync and async."""

from atono._version import __version__

__all__ = ["__version__"]
