"""Alembic migrations of the SQL adapter (a package so that env.py ships in the wheel)."""
