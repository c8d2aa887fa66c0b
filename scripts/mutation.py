"""``make mutation``: mutmut over each pure rules module, with only that module's pure tests.

Each target runs in a scratch copy under ``var/mutation/<name>`` (mutmut reads its settings
from the working directory's pyproject.toml and writes ``mutants/`` there), so the targets do
not share state and the repository stays clean. The tests of a target touch no database, so
a run takes minutes. Prints, and writes to ``var/mutation/summary.json``, the share of
mutants killed per module; exits 1 when one is under ``THRESHOLD``.

    python scripts/mutation.py              # every target
    python scripts/mutation.py exchange     # some of them
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
THRESHOLD = 90.0
MAX_LISTED = 15  # survivors printed per module; summary.json has them all


@dataclass(frozen=True)
class Target:
    """One rules module and the pure tests that pin it."""

    name: str
    modules: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS = (
    Target("exchange", ("src/skillnest/exchange/rules.py",), ("tests/exchange/test_scoring.py",)),
    Target("help", ("src/skillnest/help/trust.py",), ("tests/help/test_trust.py",)),
    Target(
        "catalog",
        ("src/skillnest/catalog/ranking.py",),
        ("tests/catalog/test_ranking.py", "tests/catalog/test_ranking_seed.py"),
    ),
    Target(
        "careers",
        (
            "src/skillnest/careers/profile/rules.py",
            "src/skillnest/careers/jobs/rules.py",
            "src/skillnest/careers/applications/rules.py",
        ),
        (
            "tests/careers/test_rules.py",
            "tests/careers/test_rules_expected.py",
            "tests/careers/test_rules_analytics.py",
        ),
    ),
)


def _toml_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def prepare(target: Target) -> Path:
    """A scratch copy of the sources and tests, configured for this target only."""
    work = WORK / target.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src", work / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    (work / "data").symlink_to(ROOT / "data")
    config = (ROOT / "pyproject.toml").read_text()
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list(target.modules)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(target.tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
    )
    (work / "pyproject.toml").write_text(config)
    return work


def run(target: Target) -> dict[str, int | float | str]:
    """Mutate the module, run its tests against every mutant, and count what they killed."""
    work = prepare(target)
    mutmut = Path(sys.executable).parent / "mutmut"
    with (work / "mutmut.log").open("w") as log:  # mutmut's progress, kept out of the report
        subprocess.run([str(mutmut), "run"], cwd=work, stdout=log, stderr=subprocess.STDOUT)
    subprocess.run(
        [str(mutmut), "export-cicd-stats"], cwd=work, check=True, stdout=subprocess.DEVNULL
    )
    stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text())
    tested = stats["total"] - stats["skipped"]  # a mutant no test runs is a survivor
    killed = stats["killed"] + stats["timeout"] + stats["segfault"]
    survivors = subprocess.run(
        [str(mutmut), "results"], cwd=work, capture_output=True, text=True, check=False
    ).stdout
    return {
        "modules": ", ".join(target.modules),
        "killed": killed,
        "mutants": stats["total"],
        "no_tests": stats["no_tests"],
        "score": round(100 * killed / tested, 1) if tested else 0.0,
        "survivors": survivors.strip(),
    }


def main(names: list[str]) -> int:
    """Run the chosen targets (all by default) and report the share killed per module."""
    chosen = [t for t in TARGETS if not names or t.name in names]
    results = {target.name: run(target) for target in chosen}
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "summary.json").write_text(json.dumps(results, indent=2))
    print("\nmutation score (killed / mutants tested):")
    for name, result in results.items():
        print(f"  {name:10} {result['killed']}/{result['mutants']}  {result['score']}%")
        survivors = str(result["survivors"]).splitlines()
        for line in survivors[:MAX_LISTED]:
            print(f"    {line.strip()}")
        if len(survivors) > MAX_LISTED:
            print(f"    ... {len(survivors) - MAX_LISTED} more in var/mutation/summary.json")
    failing = [name for name, result in results.items() if float(result["score"]) < THRESHOLD]
    if failing:
        print(f"under {THRESHOLD}%: {', '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
