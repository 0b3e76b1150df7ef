"""The SQL persistence adapter: SQLAlchemy Core tables, explicit row<->domain mapping,
repositories, the unit of work, the outbox store and Alembic migrations (SQLite and PostgreSQL)."""
