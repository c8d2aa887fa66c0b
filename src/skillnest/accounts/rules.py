"""Pure account rules: which passwords are refused, which email domains are academic.

The common-password list is SecLists' ``10-million-password-list-top-100000.txt`` (Daniel
Miessler and contributors, MIT licence; drawn from Mark Burnett's public "10 million
passwords" data set), shipped gzip-compressed as ``data/common-passwords.txt.gz`` and checked
offline. See ``data/README.md``.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib.resources import files
from typing import Any

from skillnest.core.errors import DomainError

MIN_PART = 3  # shorter names or local parts ("al", "jo") would refuse too much
COMMON = "This password is one of the most common passwords; choose one that is harder to guess."
HAS_EMAIL = "The password contains the name part of your email address."
HAS_NAME = "The password contains your name."


class WeakPassword(DomainError):
    """A password that people could guess: refused as a validation error naming the reason."""

    status, code, title = 422, "weak-password", "Password refused"

    def __init__(self, reason: str, field: str = "password") -> None:
        errors: list[dict[str, Any]] = [
            {"loc": ["body", field], "msg": reason, "type": "weak_password"}
        ]
        super().__init__(reason, errors=errors)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (100,000 entries, loaded once)."""
    raw = (files("skillnest.accounts") / "data" / "common-passwords.txt.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8", errors="replace")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str, name: str | None = None) -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    folded = password.casefold()
    if folded in common_passwords() or folded.strip() in common_passwords():
        return COMMON
    local = email.rsplit("@", 1)[0].casefold()
    if len(local) >= MIN_PART and local in folded:
        return HAS_EMAIL
    for part in re.split(r"[\W_]+", (name or "").casefold()):
        if len(part) >= MIN_PART and part in folded:
            return HAS_NAME
    return None


def check_password(password: str, *, email: str, name: str | None = None, field: str) -> None:
    """Raise ``WeakPassword`` for a password people could guess."""
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        raise WeakPassword(problem, field)


def email_domain(email: str) -> str:
    """The lower-cased domain of an address."""
    return email.rsplit("@", 1)[-1].strip().lower()


def academic_domain(email: str, allow_list: list[str] | tuple[str, ...] = ()) -> str | None:
    """The institution's domain of an academic address, or None.

    ``ann@cs.mit.edu`` -> ``mit.edu``; ``bo@ox.ac.uk`` -> ``ox.ac.uk``; ``cy@unsw.edu.au`` ->
    ``unsw.edu.au``; a listed domain (or a subdomain of one) -> that domain.
    """
    domain = email_domain(email)
    for allowed in allow_list:
        allowed = allowed.strip().lower()
        if allowed and (domain == allowed or domain.endswith("." + allowed)):
            return allowed
    labels = domain.split(".")
    if len(labels) >= 2 and labels[-1] == "edu":
        return ".".join(labels[-2:])
    if len(labels) >= 3 and labels[-2] in ("ac", "edu") and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return None
