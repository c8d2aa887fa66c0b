"""Alembic migrations of skillnest (``skillnest db ...`` wraps them)."""
