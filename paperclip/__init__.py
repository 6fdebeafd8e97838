"""Paperclip on Temporal: the shared kernel (settings, models, Temporal client, store, CLI)."""

__version__ = "0.1.0"
