"""The sandbox's version: always the version of `atono` it is released with (`atono[sandbox]` pins it)."""

__version__ = "0.2.0"
