"""Synthetic MetaGauge legacy data in both file layouts (tests, demos, benchmarks).

Every value comes from a seeded random generator: no real user is copied. User ``i``
(0-based, in ``users.json`` order) has the password ``sample_password(i)``, hashed with
bcrypt ``$2a$`` as the legacy app did. The data carries the legacy quirks the importer must
handle: emails with capitals and stray spaces, users without a role, social links with
spaces, analyses dated in ISO, unix seconds and unix milliseconds, and a ``users/anonymous``
folder in the per-user layout.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal

import bcrypt
import orjson

Layout = Literal["mixed", "seed", "per-user"]
CHAIN_NAMES = ("ethereum", "lisk", "starknet")
FIRST = (
    "ada",
    "ben",
    "chioma",
    "dmitri",
    "elif",
    "farah",
    "goran",
    "hana",
    "ivo",
    "jun",
    "kofi",
    "lena",
    "mateo",
    "nadia",
    "omar",
    "priya",
    "quinn",
    "rosa",
    "sven",
    "tariq",
)
LAST = (
    "okafor",
    "silva",
    "nakamura",
    "novak",
    "haddad",
    "kowalski",
    "mensah",
    "lindqvist",
    "ferreira",
    "yilmaz",
    "tanaka",
    "moreau",
    "adeyemi",
    "petrov",
    "garcia",
    "kim",
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.io")
PROTOCOLS = (
    "SwapRouter",
    "LendingPool",
    "NFTMarket",
    "StakingVault",
    "Bridge",
    "DAOGovernor",
    "Oracle",
    "Perpetuals",
    "YieldFarm",
    "GameItems",
)
CATEGORIES = ("defi", "nft", "gaming", "dao", "infrastructure", "other")
STEPS = ("welcome", "social", "contract", "indexing", "done")
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def sample_password(index: int) -> str:
    """The plain password of the sample user at ``index`` (tests log in with it)."""
    return f"metagauge-sample-{index}"


@dataclass
class SampleCounts:
    """How many records of each kind were written."""

    users: int = 0
    contracts: int = 0
    analyses: int = 0
    chat_sessions: int = 0
    chat_messages: int = 0
    anonymous: int = 0
    # per-user documents (metrics, history snapshots, competitors, live poll...)
    documents: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        """All records written to importable files (the anonymous folder excluded)."""
        return self.users + self.contracts + self.analyses + self.chat_sessions + self.chat_messages


class _ListWriter:
    """Writes a JSON list one item at a time (big files never sit in memory whole)."""

    def __init__(self, handle: IO[bytes], indent: bool) -> None:
        self.handle = handle
        self.first = True
        self.option = orjson.OPT_INDENT_2 if indent else 0
        handle.write(b"[")

    def write(self, item: dict[str, Any]) -> None:
        self.handle.write(b"\n" if self.first else b",\n")
        self.first = False
        self.handle.write(orjson.dumps(item, option=self.option))

    def close(self) -> None:
        self.handle.write(b"\n]\n" if not self.first else b"]\n")
        self.handle.close()


class _Generator:
    def __init__(self, seed: int, rounds: int, analyses: tuple[int, int]) -> None:
        self.rng = random.Random(seed)
        self.rounds = rounds
        self.analyses = analyses

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, chars: int) -> str:
        return f"{self.rng.getrandbits(chars * 4):0{chars}x}"

    def when(self, after: datetime, days: int = 60) -> datetime:
        return after + timedelta(seconds=self.rng.randint(60, days * 86400))

    @staticmethod
    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def any_date(self, moment: datetime) -> str | int:
        """The analyses files mix ISO strings, unix seconds and unix milliseconds."""
        roll = self.rng.random()
        if roll < 0.6:
            return self.iso(moment)
        if roll < 0.8:
            return int(moment.timestamp())
        return int(moment.timestamp() * 1000)

    def user(self, index: int) -> dict[str, Any]:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        email = f"{first}.{last}{index}@{self.rng.choice(DOMAINS)}"
        if index % 7 == 3:
            email = f"  {email.capitalize()} "  # legacy emails were not normalised
        created = self.when(EPOCH, 300)
        updated = self.when(created, 30)
        password = bcrypt.hashpw(
            sample_password(index).encode(), bcrypt.gensalt(self.rounds, prefix=b"2a")
        ).decode()
        record: dict[str, Any] = {
            "id": self.uid(),
            "email": email,
            "password": password,
            "name": f"{first.capitalize()} {last.capitalize()}",
            "tier": self.rng.choices(("free", "starter", "pro", "enterprise"), (6, 2, 2, 1))[0],
            "apiKey": self.hex(64),
            "isActive": self.rng.random() > 0.03,
            "emailVerified": self.rng.random() > 0.4,
            "usage": {
                "analysisCount": self.rng.randint(0, 400),
                "monthlyAnalysisCount": self.rng.randint(0, 10),
                "monthlyAiQueryCount": self.rng.randint(0, 3),
                "lastAnalysis": self.iso(self.when(created)) if self.rng.random() > 0.2 else None,
                "currentMonth": f"2026-0{self.rng.randint(1, 4)}",
                "monthlyResetDate": self.iso(self.when(created, 90)),
            },
            "onboarding": self.onboarding(created),
            "preferences": {
                "notifications": {
                    "email": self.rng.random() > 0.3,
                    "analysis": self.rng.random() > 0.2,
                },
                "defaultChain": self.rng.choice(CHAIN_NAMES),
            },
            "createdAt": self.iso(created),
            "updatedAt": self.iso(updated),
            "lastLogin": self.iso(self.when(updated, 20)) if self.rng.random() > 0.1 else None,
            "billing": {
                "balance": round(self.rng.random() * 20, 2),
                "totalSpent": round(self.rng.random() * 50, 2),
                "transactions": [],
            },
        }
        roll = self.rng.random()
        if roll < 0.02:
            record["role"] = "admin"
        elif roll < 0.7:
            record["role"] = "user"
        # otherwise no role at all: must stay an ordinary user
        return record

    def onboarding(self, created: datetime) -> dict[str, Any]:
        pad = " " if self.rng.random() < 0.3 else ""
        handle = self.rng.choice(FIRST) + str(self.rng.randint(1, 999))
        return {
            "completed": self.rng.random() > 0.25,
            "socialLinks": {
                "website": f"{pad}https://{handle}.example.com{pad}",
                "twitter": f"@{handle}{pad}" if self.rng.random() > 0.3 else None,
                "discord": None,
                "telegram": f" {handle} " if self.rng.random() > 0.7 else None,
            },
            "logo": None,
            "defaultContract": {
                "address": "0x" + self.hex(40),
                "chain": self.rng.choice(CHAIN_NAMES),
                "abi": None,
                "name": self.rng.choice(PROTOCOLS),
                "purpose": "Track usage and retention",
                "category": self.rng.choice(CATEGORIES),
                "startDate": self.iso(self.when(created, 10)),
                "isIndexed": self.rng.random() > 0.5,
                "indexingProgress": self.rng.choice((0, 35, 80, 100)),
                "lastAnalysisId": None,
                "currentStep": self.rng.choice(STEPS),
            },
        }

    def contract(self, created: datetime, is_default: bool) -> dict[str, Any]:
        made = self.when(created, 30)
        chain = self.rng.choice(CHAIN_NAMES)
        name = self.rng.choice(PROTOCOLS)
        abi = (
            orjson.dumps(
                [{"type": "function", "name": "transfer", "inputs": [], "outputs": []}]
            ).decode()
            if self.rng.random() > 0.5
            else None
        )
        return {
            "id": self.uid(),
            "name": f"{name} on {chain}",
            "description": f"Analytics for the {name} contract",
            "targetContract": {
                "address": "0x" + self.hex(40),
                "chain": chain,
                "name": name,
                "abi": abi,
                "functionSignatures": ["transfer(address,uint256)", "approve(address,uint256)"],
            },
            "competitors": [
                {
                    "address": "0x" + self.hex(40),
                    "chain": self.rng.choice(CHAIN_NAMES),
                    "name": self.rng.choice(PROTOCOLS),
                    "abi": None,
                }
                for _ in range(self.rng.randint(0, 5))
            ],
            "rpcConfig": {
                c: [f"https://{c}-rpc{n}.example.net" for n in range(self.rng.randint(0, 2))]
                for c in self.rng.sample(CHAIN_NAMES, self.rng.randint(1, 3))
            },
            "analysisParams": {
                "searchStrategy": self.rng.choice(("standard", "deep", "quick")),
                "smartSearch": self.rng.random() > 0.3,
                "whaleThreshold": self.rng.choice((10, 25, 50.5)),
                "maxConcurrentRequests": 5,
                "failoverTimeout": 30000,
                "maxRetries": 2,
                "outputFormats": ["json", "csv", "markdown"],
            },
            "tags": self.rng.sample(["defi", "nft", "l2", "bridge", "dex"], 2),
            "isActive": self.rng.random() > 0.1,
            "isDefault": is_default,
            "lastAnalyzed": self.iso(self.when(made)) if self.rng.random() > 0.3 else None,
            "analysisCount": self.rng.randint(0, 50),
            "createdAt": self.iso(made),
            "updatedAt": self.iso(self.when(made, 10)),
        }

    def analysis(self, created: datetime, contracts: list[dict[str, Any]]) -> dict[str, Any]:
        made = self.when(created, 200)
        contract = self.rng.choice(contracts) if contracts and self.rng.random() > 0.1 else None
        status = self.rng.choices(("completed", "failed", "running", "pending"), (7, 1, 1, 1))[0]
        progress = {"completed": 100, "pending": 0}.get(status, self.rng.randint(1, 99))
        finished = self.when(made, 1) if status in ("completed", "failed") else None
        record: dict[str, Any] = {
            "id": self.uid(),
            "configId": contract["id"] if contract else None,
            "contractAddress": (
                contract["targetContract"]["address"] if contract else "0x" + self.hex(40)
            ),
            "chain": contract["targetContract"]["chain"] if contract else "ethereum",
            "analysisType": self.rng.choice(("single", "competitive", "comparative")),
            "status": status,
            "progress": progress,
            "results": self.results() if status == "completed" else None,
            "metadata": {
                "blockRange": [19_000_000, 19_000_000 + self.rng.randint(1, 50_000)],
                "requestedBy": "dashboard",
            },  # fmt: skip
            "errorMessage": "RPC endpoint timed out" if status == "failed" else None,
            "hasErrors": status == "failed",
            "logs": [f"step {n} done" for n in range(self.rng.randint(0, 3))],
            "currentStep": "done" if status == "completed" else "fetching transactions",
            "completedAt": self.iso(finished) if finished else None,
            "createdAt": self.any_date(made),
            "updatedAt": self.any_date(finished or made),
        }
        return record

    def results(self) -> dict[str, Any]:
        tx = self.rng.randint(100, 100_000)
        return {
            "summary": {
                "transactions": tx,
                "uniqueUsers": self.rng.randint(10, tx),
                "totalVolume": round(self.rng.random() * 1e6, 2),
                "gasEfficiency": round(self.rng.random(), 4),
            },
            "metrics": {
                "dau": self.rng.randint(1, 5000),
                "mau": self.rng.randint(100, 90_000),
                "retention7d": round(self.rng.random(), 3),
                "whaleShare": round(self.rng.random(), 3),
            },
            "topFunctions": [
                {"name": n, "calls": self.rng.randint(1, 9999)}
                for n in ("transfer", "approve", "swap")
            ],
        }

    def chat(self, created: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        made = self.when(created, 100)
        session_id = self.uid()
        messages: list[dict[str, Any]] = []
        moment = made
        for n in range(self.rng.randint(2, 8)):
            moment = self.when(moment, 1)
            messages.append(
                {
                    "id": self.uid(),
                    "sessionId": session_id,
                    "role": "user" if n % 2 == 0 else "assistant",
                    "content": (
                        "How did retention change last week?"
                        if n % 2 == 0
                        else "Seven-day retention rose from 18% to 22%."
                    ),
                    "components": [] if n % 2 == 0 else [{"type": "metric", "value": 0.22}],
                    "metadata": {},
                    "isStreaming": False,
                    "createdAt": self.iso(moment),
                }
            )
        name = self.rng.choice(PROTOCOLS)
        session = {
            "id": session_id,
            "title": f"Chat: {name}",
            "contractAddress": "0x" + self.hex(40),
            "contractChain": self.rng.choice(CHAIN_NAMES),
            "contractName": name,
            "isActive": True,
            "messageCount": len(messages),
            "lastMessageAt": messages[-1]["createdAt"],
            "metadata": {},
            "createdAt": self.iso(made),
            "updatedAt": messages[-1]["createdAt"],
        }
        return session, messages


def write_sample(
    directory: Path,
    *,
    users: int,
    layout: Layout = "mixed",
    analyses_per_user: tuple[int, int] = (3, 12),
    contracts_per_user: tuple[int, int] = (1, 5),
    chats_per_user: tuple[int, int] = (0, 3),
    seed: int = 2026,
    bcrypt_rounds: int = 6,
    indent: bool = True,
    documents: bool = True,
) -> SampleCounts:
    """Write ``users`` synthetic users and their data to ``directory``.

    ``mixed`` puts even-numbered users' data in the seed layout (top-level files with
    ``userId``) and odd-numbered users' in ``users/<id>/``, so one folder exercises both.
    """
    directory.mkdir(parents=True, exist_ok=True)
    gen = _Generator(seed, bcrypt_rounds, analyses_per_user)
    counts = SampleCounts()
    with ExitStack() as stack:
        users_out = _ListWriter(stack.enter_context((directory / "users.json").open("wb")), indent)
        counts.files.append("users.json")
        top: dict[str, _ListWriter] = {}
        if layout in ("mixed", "seed"):
            for kind in ("contracts", "analyses", "chat_sessions", "chat_messages"):
                top[kind] = _ListWriter(
                    stack.enter_context((directory / f"{kind}.json").open("wb")), indent
                )
                counts.files.append(f"{kind}.json")
        for index in range(users):
            user = gen.user(index)
            users_out.write(user)
            counts.users += 1
            created = datetime.fromisoformat(user["createdAt"])
            data = _user_data(gen, created, contracts_per_user, analyses_per_user, chats_per_user)
            per_user = layout == "per-user" or (layout == "mixed" and index % 2 == 1)
            for kind, records in data.items():
                setattr(counts, kind, getattr(counts, kind) + len(records))
            if per_user:
                folder = directory / "users" / user["id"]
                _write_folder(folder, data, indent)
                counts.files.extend(f"users/{user['id']}/{k}.json" for k in data)
                if documents:
                    docs = user_documents(f"{seed}-{index}", data["contracts"], created)
                    counts.documents += _write_documents(folder, docs)
                    counts.files.extend(f"users/{user['id']}/{name}" for name in docs)
            else:
                for kind, records in data.items():
                    for record in records:
                        if kind != "chat_messages":
                            record = {"userId": user["id"], **record}
                        top[kind].write(record)
        for writer in (users_out, *top.values()):
            writer.close()
    if layout in ("mixed", "per-user"):
        data = _user_data(gen, EPOCH, (1, 1), (2, 2), (1, 1))
        _write_folder(directory / "users" / "anonymous", data, indent)
        counts.anonymous = sum(len(v) for v in data.values())
    return counts


def _user_data(
    gen: _Generator,
    created: datetime,
    contracts_per_user: tuple[int, int],
    analyses_per_user: tuple[int, int],
    chats_per_user: tuple[int, int],
) -> dict[str, list[dict[str, Any]]]:
    contracts = [gen.contract(created, n == 0) for n in range(gen.rng.randint(*contracts_per_user))]
    analyses = [
        gen.analysis(created, contracts) for _ in range(gen.rng.randint(*analyses_per_user))
    ]
    sessions: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for _ in range(gen.rng.randint(*chats_per_user)):
        session, session_messages = gen.chat(created)
        sessions.append(session)
        messages.extend(session_messages)
    return {
        "contracts": contracts,
        "analyses": analyses,
        "chat_sessions": sessions,
        "chat_messages": messages,
    }


def _write_folder(folder: Path, data: dict[str, list[dict[str, Any]]], indent: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    option = orjson.OPT_INDENT_2 if indent else 0
    for kind, records in data.items():
        (folder / f"{kind}.json").write_bytes(orjson.dumps(records, option=option))


def iter_users(directory: Path) -> Iterator[dict[str, Any]]:
    """The users of a sample folder, in order (their index is their password's)."""
    yield from orjson.loads((directory / "users.json").read_bytes())


def user_documents(seed: str, contracts: list[dict[str, Any]], created: datetime) -> dict[str, Any]:
    """A user's other MetaGauge files, by name within the user's folder.

    Their own random stream (seeded per user) leaves the records' stream as it was.
    """
    rng = random.Random(seed)
    target = contracts[0]["targetContract"] if contracts else None
    address = target["address"] if target else f"0x{rng.getrandbits(160):040x}"
    chain = target["chain"] if target else "ethereum"

    def figures() -> dict[str, Any]:
        return {
            "dau": rng.randint(0, 5000),
            "mau": rng.randint(0, 50000),
            "transactions": rng.randint(0, 10**6),
            "tvlUsd": round(rng.uniform(0, 10**7), 2),
            "retention7d": round(rng.random(), 4),
        }

    days = rng.randint(1, 6)
    history = [
        {"date": (created + timedelta(days=n)).date().isoformat(), **figures()} for n in range(days)
    ]
    files: dict[str, Any] = {
        "metrics.json": {
            "contractAddress": address,
            "contractChain": chain,
            **figures(),
            "updatedAt": _iso(created + timedelta(days=days)),
        },
        "metrics_history.json": history,
        "competitor_metrics.json": {"competitors": rng.randint(0, 5), "rank": rng.randint(1, 9)},
        "live_poll.json": {
            "contractAddress": address,
            "contractChain": chain,
            "lastBlock": rng.randint(10**6, 10**7),
            "active": rng.random() > 0.5,
        },
    }
    for competitor in (contracts[0].get("competitors") or [])[:2] if contracts else []:
        name = f"competitors/{competitor['address'].lower()}_{competitor['chain']}.json"
        files[name] = {**competitor, "transactions": [], "metrics": figures()}
    return files


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _write_documents(folder: Path, docs: dict[str, Any]) -> int:
    """Write the document files; return how many documents they hold."""
    count = 0
    for name, value in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2))
        count += len(value) if name == "metrics_history.json" else 1
    return count
