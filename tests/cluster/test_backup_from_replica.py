"""A backup taken from the replica, keeping its load off the primary (docs/deployment.md)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.cluster.conftest import ROOT, Cluster, caught_up

pytestmark = pytest.mark.cluster


async def test_skillnest_db_backup_runs_against_the_replica(
    cluster: Cluster, primary: Engine, replica: Engine, tmp_path: Path
) -> None:
    await caught_up(primary, replica)
    with primary.connect() as conn:
        users = conn.execute(text("SELECT count(*) FROM users")).scalar()
    env = {
        **os.environ,
        "SKILLNEST_ENV": "development",
        "SKILLNEST_DATABASE_URL": cluster.replica_url,
        "SKILLNEST_PG_BIN": str(cluster.pg_bin),
    }
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "skillnest"), "db", "backup", "--dir", str(tmp_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (manifest,) = tmp_path.glob("*.dump.json")
    assert Path(str(manifest).removesuffix(".json")).stat().st_size > 0
    assert json.loads(manifest.read_text())["tables"]["users"]["rows"] == users
