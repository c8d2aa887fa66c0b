"""The summary view follows catalog writes through the maintenance job."""

from __future__ import annotations

from skillnest.catalog import service
from skillnest.catalog.schemas import SkillUpdate


async def installs_in_snapshot(session, skill_id):
    skills = await service.catalog_snapshot(session=session)
    return next(s.installs for s in skills if s.skill_id == skill_id)


async def test_summary_is_refreshed_after_writes(session, platform, catalog, backend):
    assert await service.run_maintenance(session=session, platform=platform) == "summary up to date"
    await service.update_skill(
        session=session,
        cache=platform.cache,
        ident="upgrading-expo",
        data=SkillUpdate(installs=123_456),
    )
    report = await service.run_maintenance(session=session, platform=platform)
    if backend == "postgresql":
        assert report == "skill_package_summary refreshed"
        assert await service.run_maintenance(session=session, platform=platform) == (
            "summary up to date"
        )
    else:
        assert report == "no summary view on this database"
    # Either way the offline snapshot now shows the write.
    assert await installs_in_snapshot(session, "upgrading-expo") == 123_456


async def test_deactivated_skills_leave_the_snapshot(session, platform, catalog):
    await service.update_skill(
        session=session,
        cache=platform.cache,
        ident="upgrading-expo",
        data=SkillUpdate(is_active=False),
    )
    await service.run_maintenance(session=session, platform=platform)
    skills = await service.catalog_snapshot(session=session)
    assert "upgrading-expo" not in {s.skill_id for s in skills}
    assert len(skills) == 336
