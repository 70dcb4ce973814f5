"""Persistence: plain SQL over aiosqlite, numbered migrations."""
