"""Package popularity from the shipped package lists (npm downloads, PyPI rank).

The server and the offline CLI both rank with :func:`package_ranks`, so they agree. A rank
is the package's place in its ecosystem's list (1 = most used); a package not in the list
has none.
"""

from __future__ import annotations

import csv
import gzip
from functools import lru_cache
from pathlib import Path

from skillnest.catalog.importer import PACKAGE_LISTS, default_data_dir
from skillnest.catalog.ranking import normalise_package


def _read(path: Path, ecosystem: str) -> list[str]:
    """The names of one list, most used first."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if ecosystem == "npm":
        rows.sort(key=lambda r: -int(r.get("downloads_a_month") or 0))
    else:
        rows.sort(key=lambda r: int(r.get("rank") or 10**9))
    return [normalise_package(r["name"], ecosystem) for r in rows if r.get("name")]


@lru_cache(maxsize=4)
def package_ranks(data_dir: Path | None = None) -> dict[tuple[str, str], int]:
    """(name, ecosystem) -> rank in its list; empty when the lists are not there."""
    directory = data_dir or default_data_dir()
    ranks: dict[tuple[str, str], int] = {}
    for ecosystem, relative in PACKAGE_LISTS.items():
        path = directory / relative
        if not path.is_file():
            continue
        for place, name in enumerate(_read(path, ecosystem), start=1):
            ranks.setdefault((name, ecosystem), place)
    return ranks
