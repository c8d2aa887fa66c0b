"""The pure rules: properties and worked examples (hand-written values: test_rules_expected)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillnest.careers.jobs import rules as matching
from skillnest.careers.jobs.rules import CandidateInput, JobInput
from skillnest.careers.profile import rules as profile_rules
from skillnest.careers.profile.rules import (
    CertificationInput,
    EducationInput,
    PeriodInput,
    SkillInput,
    SkillScoreInputs,
)

TODAY = date(2026, 11, 22)


def test_weights_add_up_to_100():
    assert sum(profile_rules.SKILL_SCORE_WEIGHTS.values()) == 100
    assert sum(matching.MATCH_WEIGHTS.values()) == 100


def test_empty_profile_scores_zero():
    score, breakdown = profile_rules.skill_score(SkillScoreInputs(today=TODAY))
    assert score == 0
    assert set(breakdown) == set(profile_rules.SKILL_SCORE_WEIGHTS)


def test_full_profile_scores_100():
    inputs = SkillScoreInputs(
        skills=[SkillInput(f"s{i}", "technical", 5) for i in range(6)],
        experience=[PeriodInput(date(2010, 1, 1), date(2021, 1, 1))],
        education=[EducationInput("PhD in Physics", 4.0)],
        certifications=[CertificationInput(date(2025, 1, 1)) for _ in range(3)],
        portfolio_items=3,
        endorsements=10,
        today=TODAY,
    )
    score, breakdown = profile_rules.skill_score(inputs)
    assert score == 100
    assert breakdown == profile_rules.SKILL_SCORE_WEIGHTS


def test_each_component_is_weighted():
    score, breakdown = profile_rules.skill_score(
        SkillScoreInputs(
            skills=[SkillInput("Python", "technical", 3), SkillInput("Talking", "soft", 5)],
            experience=[PeriodInput(date(2021, 11, 22), None, is_current=True)],
            education=[EducationInput("BSc Computer Science")],
            certifications=[
                CertificationInput(date(2020, 1, 1), date(2021, 1, 1)),  # expired: ignored
                CertificationInput(date(2024, 1, 1)),
            ],
            portfolio_items=1,
            endorsements=2,
            today=TODAY,
        )
    )
    assert breakdown["technical_skills"] == 3.0  # soft skills do not count: 3/30 of 30
    assert breakdown["experience"] == 12.5  # five years of ten
    assert breakdown["education"] == 10.5  # bachelor 0.7 of 15
    assert breakdown["certifications"] == 5.0
    assert breakdown["portfolio"] == pytest.approx(3.33)
    assert breakdown["endorsements"] == 1.0
    assert score == pytest.approx(sum(breakdown.values()))


def test_overlapping_jobs_count_once_and_declared_years_are_the_fallback():
    overlapping = [
        PeriodInput(date(2020, 1, 1), date(2022, 1, 1)),
        PeriodInput(date(2021, 1, 1), date(2023, 1, 1)),
    ]
    assert profile_rules.experience_years(overlapping, TODAY) == pytest.approx(3.0, abs=0.05)
    _, declared = profile_rules.skill_score(SkillScoreInputs(declared_years=4, today=TODAY))
    assert declared["experience"] == 10.0


def test_gpa_blends_into_education():
    _, without = profile_rules.skill_score(
        SkillScoreInputs(education=[EducationInput("Master")], today=TODAY)
    )
    _, low_gpa = profile_rules.skill_score(
        SkillScoreInputs(education=[EducationInput("Master", 2.0)], today=TODAY)
    )
    assert low_gpa["education"] < without["education"]


def candidate(**overrides) -> CandidateInput:
    values = {
        "skills": [
            SkillInput("Python", proficiency_level=5),
            SkillInput("SQL", proficiency_level=1),
        ],
        "years": 4,
        "desired_locations": ["Lisbon"],
        "remote_preference": "any",
        "salary_expectation_min": 60000,
        "culture_values": ["learning", "ownership"],
    }
    values.update(overrides)
    return CandidateInput(**values)


def test_perfect_match_scores_100():
    result = matching.match_score(
        candidate(),
        JobInput(
            required_skills=["python"],
            years_required=3,
            location="Lisbon, Portugal",
            remote_type="onsite",
            salary_max=70000,
            company_values=["Learning", "Ownership", "Pets"],
        ),
    )
    assert result.overall_score == 100
    assert result.matching_skills == ["python"] and result.missing_skills == []


def test_match_breakdown_and_advice():
    result = matching.match_score(
        candidate(),
        JobInput(
            required_skills=["Python", "SQL", "Go", "Rust"],
            years_required=8,
            location="Berlin",
            remote_type="onsite",
            salary_max=30000,
            company_values=["ownership"],
        ),
    )
    # Python at level 5 counts 1.0, SQL at level 1 counts 0.6: 1.6 of 4 required.
    assert result.breakdown["skills"] == pytest.approx(35 * 1.6 / 4)
    assert result.breakdown["experience"] == 12.5
    assert result.breakdown["location"] == 0
    assert result.breakdown["salary"] == 5.0
    assert result.breakdown["culture"] == 7.5
    assert result.missing_skills == ["Go", "Rust"]
    assert len(result.recommendations) == 4


def test_culture_is_zero_when_either_side_is_empty():
    assert matching.culture_fit([], ["learning"]) == 0
    assert matching.culture_fit(["learning"], []) == 0
    assert matching.culture_fit(["Learning"], ["learning"]) == 1


@pytest.mark.parametrize(
    ("preference", "remote_type", "location", "expected"),
    [
        ("any", "remote", None, 1.0),
        ("onsite", "remote", None, 0.5),
        ("remote", "onsite", "Lisbon", 0.0),
        ("remote", "hybrid", "Lisbon", 0.5),
        ("any", "onsite", "Lisbon, PT", 1.0),
        ("any", "onsite", "Paris", 0.0),
    ],
)
def test_location_fit(preference, remote_type, location, expected):
    result = matching.match_score(
        candidate(remote_preference=preference),
        JobInput(remote_type=remote_type, location=location),
    )
    assert result.breakdown["location"] == 15 * expected


def test_no_salary_or_skill_information_is_neutral():
    result = matching.match_score(CandidateInput(), JobInput())
    assert result.breakdown["salary"] == 5.0
    assert result.breakdown["skills"] == 35.0
    assert result.breakdown["location"] == 7.5


scores = st.integers(min_value=1, max_value=5)
skills = st.lists(
    st.builds(
        SkillInput,
        st.text(min_size=1, max_size=8),
        st.sampled_from(["technical", "soft", "domain"]),
        scores,
    ),
    max_size=12,
)


@given(
    skills=skills,
    years=st.floats(min_value=0, max_value=60),
    certs=st.integers(min_value=0, max_value=20),
    portfolio=st.integers(min_value=0, max_value=50),
    endorsements=st.integers(min_value=0, max_value=500),
)
def test_skill_score_stays_within_0_and_100(skills, years, certs, portfolio, endorsements):
    score, breakdown = profile_rules.skill_score(
        SkillScoreInputs(
            skills=skills,
            declared_years=years,
            certifications=[CertificationInput(date(2025, 1, 1))] * certs,
            portfolio_items=portfolio,
            endorsements=endorsements,
            today=TODAY,
        )
    )
    assert 0 <= score <= 100
    assert all(0 <= breakdown[k] <= w for k, w in profile_rules.SKILL_SCORE_WEIGHTS.items())


@given(
    skills=skills,
    required=st.lists(st.text(min_size=1, max_size=8), max_size=10),
    years=st.floats(min_value=0, max_value=60),
    years_required=st.one_of(st.none(), st.integers(min_value=0, max_value=30)),
    salary=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
    offered=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6)),
)
def test_match_score_stays_within_0_and_100(
    skills, required, years, years_required, salary, offered
):
    result = matching.match_score(
        CandidateInput(skills=skills, years=years, salary_expectation_min=salary),
        JobInput(required_skills=required, years_required=years_required, salary_max=offered),
    )
    assert 0 <= result.overall_score <= 100


def test_credential_hash_is_sha256_of_canonical_json():
    document = profile_rules.credential_document(
        holder_id=7,
        name="AWS Certified Developer",
        issuing_organization="Amazon Web Services",
        issue_date=date(2025, 3, 1),
        expiry_date=None,
        credential_id="ABC-123",
    )
    canonical = json.dumps(
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in document.items()},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert profile_rules.credential_hash(document) == hashlib.sha256(canonical).hexdigest()
    reordered = dict(reversed(list(document.items())))
    assert profile_rules.credential_hash(reordered) == profile_rules.credential_hash(document)


def test_missing_skills_ignore_case():
    assert profile_rules.missing_skills(["python", "SQL "], ["Python", "sql", "Go"]) == ["Go"]
