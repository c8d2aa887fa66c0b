"""Interview questions: a small built-in bank plus questions about the job's required skills."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

GENERAL_QUESTIONS: list[tuple[str, str]] = [
    ("behavioral", "Tell me about yourself and what brings you to this role."),
    ("behavioral", "Describe a time you disagreed with a teammate. How did you resolve it?"),
    ("behavioral", "Tell me about a project that failed. What did you learn?"),
    ("behavioral", "Describe a time you had to learn something new quickly."),
    ("situational", "How would you approach your first 90 days in this position?"),
    ("situational", "You are given two urgent tasks with the same deadline. What do you do?"),
    ("company", "Why do you want to work at {company}?"),
    ("company", "What do you know about {company}'s products or customers?"),
]

SKILL_QUESTIONS: list[str] = [
    "Describe a project where you used {skill}. What trade-offs did you make?",
    "What are common pitfalls with {skill}, and how do you avoid them?",
]

TIPS: list[str] = [
    "Answer behavioral questions with the STAR method: situation, task, action, result.",
    "Prepare two or three questions to ask the interviewer about the team and the role.",
    "Research the company's recent news, products and values before the interview.",
    "Practise out loud and time yourself: aim for answers of about two minutes.",
]

MAX_SKILL_TOPICS = 6


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "skill"


def build_questions(*, company: str, required_skills: Sequence[str]) -> list[dict[str, Any]]:
    """Questions for an interview at ``company`` for a job needing ``required_skills``.

    Ids are stable (``general-3``, ``skill-python-1``) so answers and practice sessions can
    refer to them.
    """
    questions: list[dict[str, Any]] = [
        {
            "id": f"general-{n}",
            "question": text.format(company=company),
            "category": category,
            "skill": None,
            "answer": None,
        }
        for n, (category, text) in enumerate(GENERAL_QUESTIONS, start=1)
    ]
    seen: set[str] = set()
    for skill in required_skills:
        slug = _slug(skill)
        if slug in seen or len(seen) >= MAX_SKILL_TOPICS:
            continue
        seen.add(slug)
        questions.extend(
            {
                "id": f"skill-{slug}-{n}",
                "question": text.format(skill=skill),
                "category": "technical",
                "skill": skill,
                "answer": None,
            }
            for n, text in enumerate(SKILL_QUESTIONS, start=1)
        )
    return questions
