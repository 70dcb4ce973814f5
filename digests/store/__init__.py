"""Persistence: plain SQL over SQLite (aiosqlite) or PostgreSQL (asyncpg), numbered migrations per dialect."""
