"""Operations: migrations, maintenance, demo data, backups, stats."""
