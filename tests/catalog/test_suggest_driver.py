"""The hot route's uncached suggest, read through the driver, answers as the session path."""

from __future__ import annotations

import orjson

from skillnest.catalog import service
from skillnest.catalog.ranking import build_query
from skillnest.core.cache import MemoryCache
from skillnest.core.db import Database
from tests.conftest import make_settings

QUESTIONS = [
    ["react", "next", "tailwindcss", "zod", "prisma", "@prisma/client"],
    ["pypi:fastapi", "pypi:sqlalchemy", "pypi:pydantic", "pypi:pytest"],
    ["react", "no-such-package-at-all"],
    ["no-such-package-at-all"],
]


async def test_driver_read_of_suggest_matches_the_session_path(cli_database, catalog_data):
    # A committed catalog in a database of its own: the driver path reads through the
    # process's reader connection, which sees only what is committed.
    db = Database(make_settings(cli_database, None))
    try:
        async with db.unit_of_work() as session:
            await service.import_catalog(session=session, data=catalog_data)
        for packages in QUESTIONS:  # from the second on, on the reader's kept connection
            query = build_query(packages, limit=7)
            through_driver = await service.store_anonymous_suggestions(
                fetch_all=db.fetch_all, dialect=db.dialect, cache=MemoryCache(), query=query
            )
            async with db.unit_of_work() as session:
                expected = await service.compute_suggestions(session=session, query=query)
            answer = orjson.loads(through_driver)
            assert answer == orjson.loads(expected.model_dump_json()), packages
            assert answer["skills"] or "react" not in packages
            assert all(len(skill["id"]) == 36 for skill in answer["skills"])  # a dashed UUID
    finally:
        await db.dispose()
