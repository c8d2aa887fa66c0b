"""``skillnest import metagauge``: MetaGauge's JSON files into skillnest, losslessly.

The steps, one module each:

- ``reader``: find the legacy files of both layouts (seed files, per-user folders), back
  them up, load them;
- ``validator``: check every record (shape, owner, parent, duplicates) into the report;
- ``rows``: the pure mapping of a legacy record to rows, and the row checksums (documents);
- ``writers``: one writer per kind, batches with ``ON CONFLICT DO NOTHING`` on the legacy
  keys through ``core/bulk.py``, so a second run inserts nothing;
- ``verify``: the rows this run inserted, loaded again from the validated input into
  temporary tables, compared column by column with the stored rows in one join per table
  (and the keys of records already there counted), all in the database;
- ``run``: the ``Importer`` tying them together; ``report``: what the CLI prints and writes.
"""

from skillnest.gauge.importer.reader import SourceFile, backup_sources, discover
from skillnest.gauge.importer.report import (
    KINDS,
    TABLES,
    BackupFailed,
    ImportReport,
    NoProgress,
    Problem,
    Progress,
    SourceGroup,
    TableResult,
    write_report,
)
from skillnest.gauge.importer.rows import (
    Checksum,
    analysis_row,
    chat_message_row,
    chat_session_row,
    contract_rows,
    row_digest,
    user_rows,
)
from skillnest.gauge.importer.run import Importer, import_metagauge

__all__ = [
    "KINDS",
    "TABLES",
    "BackupFailed",
    "Checksum",
    "ImportReport",
    "Importer",
    "NoProgress",
    "Problem",
    "Progress",
    "SourceFile",
    "SourceGroup",
    "TableResult",
    "analysis_row",
    "backup_sources",
    "chat_message_row",
    "chat_session_row",
    "contract_rows",
    "discover",
    "import_metagauge",
    "row_digest",
    "user_rows",
    "write_report",
]
