"""The SDK's version, sent in the User-Agent and read by the build."""

__version__ = "0.2.0"
