"""Run benchmark scenarios and write bench/RESULTS.md plus a JSON record per run.

Each scenario is a module ``bench/<name>.py`` with ``run() -> Section``. RESULTS.md keeps one
section per scenario between markers, so running one scenario updates only its section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import re

from bench import targets
from bench.common import OUT, ROOT, Section, machine

SCENARIOS = ["core", "imports", "exchange", "help", "catalog", "careers", "gauge", "ops"]
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\nWritten by `make bench` (`python -m bench.run`); "
    "each section is replaced when its scenario runs again.\n"
)


def update_results(section_name: str, body: str, *, first: bool = False) -> None:
    """Replace one section of RESULTS.md, or add it (at the end, or right after the header)."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    start, end = f"<!-- {section_name}:start -->", f"<!-- {section_name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    elif first and text.startswith(HEADER):
        text = HEADER + "\n" + block + "\n\n" + text[len(HEADER) :].lstrip()
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def main() -> None:
    """Run the chosen scenarios (all by default)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=[], help=f"scenarios ({', '.join(SCENARIOS)})")
    args = parser.parse_args()
    names = args.names or [n for n in SCENARIOS if (ROOT / "bench" / f"{n}.py").exists()]
    when = dt.datetime.now(dt.UTC)
    scenarios: dict[str, object] = {}
    record: dict[str, object] = {
        "date": when.isoformat(),
        "machine": machine(),
        "command": "make bench " + " ".join(args.names),
        "scenarios": scenarios,
    }
    for name in names:
        print(f"== {name}", flush=True)
        section: Section = importlib.import_module(f"bench.{name}").run()
        meta = (
            f"_Machine: {record['machine']}. Date: {when:%Y-%m-%d %H:%M} UTC. "
            f"Command: `make bench ONLY={name}`._\n\n"
        )
        update_results(name, f"## {section.title}\n\n{meta}{section.markdown}")
        scenarios[name] = section.figures
        print(section.markdown, flush=True)
    table = targets.summary(
        json.loads(json.dumps(scenarios)),
        when=f"{when:%Y-%m-%d %H:%M}",
        machine=str(record["machine"]),
        command=str(record["command"]).strip(),
    )
    if table is not None:
        update_results("targets", table, first=True)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench-{when:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"wrote {RESULTS.relative_to(ROOT)} and {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
