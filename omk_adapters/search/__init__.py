"""Search adapters: lot search in SQLite (embedded Snowball index) or PostgreSQL ('russian' FTS)."""
