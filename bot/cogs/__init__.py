"""Slash-command groups: thin adapters that parse, call the digests services and reply."""
