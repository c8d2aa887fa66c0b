"""Tables of operations: the record of periodic maintenance runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from skillnest.core.db import NOW, Base, Document, UTCDateTime


class MaintenanceRun(Base):
    """One maintenance period, claimed by the single worker that ran it.

    The primary key is the start of the period: however many servers and workers wake up
    for it, one row, hence one run, per period.
    """

    __tablename__ = "maintenance_runs"

    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=NOW)
    worker: Mapped[str] = mapped_column(String(255))
    report: Mapped[dict[str, Any] | None] = mapped_column(Document, nullable=True)
