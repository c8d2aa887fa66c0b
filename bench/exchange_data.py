"""Synthetic skill-exchange population for the benchmark: a 2,000-name vocabulary and COPY."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg

from bench.common import ROOT

DATA = ROOT / "data" / "exchange"
VOCABULARY_SIZE = 2000
# Skill popularity follows a Zipf-like law: the k-th most common skill is drawn with a weight
# of 1 / k**ZIPF_EXPONENT, so a few skills (Python, Spanish, Guitar...) are on many profiles
# and most appear on a handful.
ZIPF_EXPONENT = 0.8
PASSWORD_HASH = "!bench-user-cannot-log-in"


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
    """2,000 distinct skill names, most popular first.

    Everyday skills lead; package names (PyPI and npm, by popularity) and agent-skill titles
    are interleaved after them, so real registry names fill most of the long tail.
    """
    everyday = _lines("everyday-skills.txt")
    with (DATA / "packages.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    pypi = [
        r["name"]
        for r in sorted(rows, key=lambda r: int(r["popularity"]))
        if r["ecosystem"] == "pypi"
    ]
    npm = [
        r["name"]
        for r in sorted(rows, key=lambda r: int(r["popularity"]))
        if r["ecosystem"] == "npm"
    ]
    agent = _lines("agent-skill-titles.txt")
    tail: list[str] = []
    for i in range(max(len(pypi), len(npm), len(agent))):
        for source in (pypi, npm, agent):
            if i < len(source):
                tail.append(source[i])
    seen: set[str] = set()
    names: list[str] = []
    for name in everyday + tail:
        folded = name.casefold()
        if len(name) <= 50 and folded not in seen:
            seen.add(folded)
            names.append(name)
        if len(names) == size:
            break
    return names


def _spelling(rng: random.Random, name: str) -> str:
    """People type the same skill differently: mostly as listed, sometimes lower/upper case."""
    roll = rng.random()
    if roll < 0.15:
        return name.lower()
    if roll < 0.18:
        return name.upper()
    return name


def profiles(
    count: int, seed: int = 1
) -> Iterator[tuple[str, str, list[str], list[str], datetime]]:
    """``count`` profiles with 1-8 skills to offer and 1-8 to learn (disjoint)."""
    rng = random.Random(seed)
    names = vocabulary()
    weights = [1 / (k + 1) ** ZIPF_EXPONENT for k in range(len(names))]
    now = datetime.now(UTC)
    for i in range(count):
        picked: list[str] = []
        chosen: set[str] = set()
        wanted = rng.randint(1, 8) + rng.randint(1, 8)
        while len(picked) < wanted:
            name = rng.choices(names, weights)[0]
            if name not in chosen:
                chosen.add(name)
                picked.append(_spelling(rng, name))
        split = rng.randint(1, len(picked) - 1)
        offer, learn = picked[:split][:8], picked[split:][:8]
        active = now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
        yield f"Bench User {i}", f"bench{i}@bench.skillnest.dev", offer, learn, active


def load(sync_url: str, users: int, seed: int = 1) -> dict[str, int]:
    """COPY ``users`` profiles, then chats between some of them and ratings on half the chats."""
    url = sync_url.replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(seed + 1)
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            with cur.copy(
                "COPY users (name, email, password_hash, skills_to_offer, skills_to_learn, "
                "last_active_at) FROM STDIN"
            ) as copy:
                for name, email, offer, learn, active in profiles(users, seed):
                    copy.write_row((name, email, PASSWORD_HASH, offer, learn, active))
            cur.execute("SELECT min(id), max(id) FROM users")
            low, high = cur.fetchone()  # type: ignore[misc]
            pairs: set[tuple[int, int]] = set()
            while len(pairs) < users // 2:
                a, b = rng.randint(low, high), rng.randint(low, high)
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
            with cur.copy("COPY chats (user1_id, user2_id) FROM STDIN") as copy:
                for a, b in pairs:
                    copy.write_row((a, b) if rng.random() < 0.5 else (b, a))
            cur.execute("SELECT id, user1_id, user2_id FROM chats")
            chats = cur.fetchall()
            ratings = 0
            with cur.copy("COPY ratings (rater_id, rated_id, chat_id, rating) FROM STDIN") as copy:
                for chat_id, a, b in chats:
                    for rater, rated in ((a, b), (b, a)):
                        if rng.random() < 0.5:
                            score = min(5, max(1, round(rng.gauss(4.1, 0.9))))
                            copy.write_row((rater, rated, chat_id, score))
                            ratings += 1
        conn.execute("ANALYZE")
    return {"users": users, "chats": len(chats), "ratings": ratings}
