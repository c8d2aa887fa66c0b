"""The careers rules against values written out by hand (docs/careers.md, seed 003).

Every expectation here is computed on paper, never with the code under test, so that changing
a constant, an operator or a message in the rules fails a test.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from skillnest.careers.applications import rules as flow
from skillnest.careers.jobs.rules import CandidateInput, JobInput, culture_fit, match_score
from skillnest.careers.profile.rules import (
    CertificationInput,
    EducationInput,
    PeriodInput,
    SkillInput,
    SkillScoreInputs,
    canonical_json,
    credential_document,
    credential_hash,
    degree_level,
    experience_years,
    fold,
    missing_skills,
    skill_score,
)

TODAY = date(2026, 11, 22)

# --- application flow (docs/careers.md: SAVED → APPLIED → ... → ACCEPTED) ----------------

ALLOWED = {
    "SAVED": ["APPLIED", "REJECTED", "WITHDRAWN"],
    "APPLIED": ["SCREENING", "REJECTED", "WITHDRAWN"],
    "SCREENING": ["INTERVIEW_SCHEDULED", "REJECTED", "WITHDRAWN"],
    "INTERVIEW_SCHEDULED": ["INTERVIEW_COMPLETED", "REJECTED", "WITHDRAWN"],
    "INTERVIEW_COMPLETED": ["OFFER_RECEIVED", "REJECTED", "WITHDRAWN"],
    "OFFER_RECEIVED": ["ACCEPTED", "REJECTED", "WITHDRAWN"],
    "ACCEPTED": [],
    "REJECTED": [],
    "WITHDRAWN": [],
}
PROGRESS = {
    "SAVED": 10,
    "APPLIED": 25,
    "SCREENING": 40,
    "INTERVIEW_SCHEDULED": 55,
    "INTERVIEW_COMPLETED": 70,
    "OFFER_RECEIVED": 90,
    "ACCEPTED": 100,
    "REJECTED": 100,
    "WITHDRAWN": 100,
}


def test_the_flow_is_the_documented_one():
    assert flow.STATUS_FLOW == (
        "SAVED",
        "APPLIED",
        "SCREENING",
        "INTERVIEW_SCHEDULED",
        "INTERVIEW_COMPLETED",
        "OFFER_RECEIVED",
        "ACCEPTED",
    )


@pytest.mark.parametrize(("current", "allowed"), ALLOWED.items())
def test_allowed_moves_from_each_status(current, allowed):
    assert flow.allowed_transitions(current) == allowed
    for target in ALLOWED:
        assert flow.can_transition(current, target) is (target in allowed)


@pytest.mark.parametrize(("status", "percent"), PROGRESS.items())
def test_progress_of_each_status(status, percent):
    assert flow.progress(status) == percent


def test_an_unknown_status_moves_only_to_a_closing_one():
    assert flow.can_transition("LOST", "APPLIED") is False
    assert flow.can_transition("LOST", "REJECTED") is True
    assert flow.can_transition("SAVED", "LOST") is False


# --- experience years -------------------------------------------------------------------


def test_two_separate_jobs_add_up():
    jobs = [
        PeriodInput(date(2015, 1, 1), date(2016, 7, 2)),  # 548 days
        PeriodInput(date(2018, 1, 1), date(2019, 1, 1)),  # 365 days
    ]
    assert experience_years(jobs, TODAY) == 2.5  # 913 / 365.25 = 2.4997
    assert experience_years(list(reversed(jobs)), TODAY) == 2.5


def test_three_separate_jobs_add_up():
    jobs = [
        PeriodInput(date(2010, 1, 1), date(2011, 1, 1)),  # 365
        PeriodInput(date(2012, 1, 1), date(2013, 1, 1)),  # 366
        PeriodInput(date(2014, 1, 1), date(2015, 1, 1)),  # 365
    ]
    assert experience_years(jobs, TODAY) == 3.0  # 1096 / 365.25 = 3.0007


def test_a_job_inside_another_counts_once():
    jobs = [
        PeriodInput(date(2012, 1, 1), date(2013, 1, 1)),
        PeriodInput(date(2010, 1, 1), date(2015, 1, 1)),  # 1826 days
    ]
    assert experience_years(jobs, TODAY) == 5.0


def test_overlapping_jobs_count_their_union():
    jobs = [
        PeriodInput(date(2020, 1, 1), date(2021, 7, 2)),
        PeriodInput(date(2021, 1, 1), date(2023, 1, 1)),  # union 2020-01-01 .. 2023-01-01
    ]
    assert experience_years(jobs, TODAY) == 3.0  # 1096 / 365.25


def test_forty_years_use_the_julian_year():
    assert experience_years([PeriodInput(date(1980, 1, 1), date(2020, 1, 1))], TODAY) == 40.0


def test_current_past_open_and_future_jobs():
    assert experience_years([PeriodInput(date(2024, 11, 22), None, True)], TODAY) == 2.0
    assert experience_years([PeriodInput(date(2020, 1, 1))], TODAY) == 0.0  # no end: unknown
    future_end = PeriodInput(date(2025, 11, 22), date(2030, 1, 1))
    assert experience_years([future_end], TODAY) == 1.0  # counted up to today
    assert experience_years([PeriodInput(date(2020, 1, 1), date(2019, 1, 1))], TODAY) == 0.0
    assert experience_years([], TODAY) == 0.0


def test_short_jobs_round_to_a_tenth_of_a_year():
    assert experience_years([PeriodInput(date(2020, 1, 1), date(2020, 1, 19))], TODAY) == 0.0
    assert experience_years([PeriodInput(date(2020, 1, 1), date(2020, 1, 20))], TODAY) == 0.1
    assert experience_years([PeriodInput(date(2020, 1, 1), date(2020, 4, 10))], TODAY) == 0.3


def test_a_current_job_ignores_a_stale_end_date():
    job = PeriodInput(date(2025, 11, 22), date(2026, 1, 1), is_current=True)
    assert experience_years([job], TODAY) == 1.0


# --- degree levels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("degree", "level"),
    [
        ("PhD in Physics", 1.0),
        ("  DOCTORATE ", 1.0),
        ("MD", 1.0),
        ("Master of Science", 0.85),
        ("MBA", 0.85),
        ("MA", 0.85),
        ("MS", 0.85),
        ("Bachelor of Arts", 0.7),
        ("BSc Computer Science", 0.7),
        ("BA", 0.7),
        ("Associate Degree", 0.5),
        ("High School Diploma", 0.3),
        ("GED", 0.3),
        ("Bootcamp", 0.5),
        ("", 0.5),
    ],
)
def test_degree_levels(degree, level):
    assert degree_level(degree) == level


# --- skill score ------------------------------------------------------------------------


def score_of(**inputs):  # type: ignore[no-untyped-def]
    return skill_score(SkillScoreInputs(today=TODAY, **inputs))


def test_a_certificate_expiring_today_still_counts():
    _, breakdown = score_of(
        certifications=[
            CertificationInput(date(2025, 1, 1), TODAY),
            CertificationInput(date(2025, 1, 1), date(2026, 11, 21)),  # expired yesterday
        ]
    )
    assert breakdown["certifications"] == 5.0  # 1 of 3, of 15


def test_education_takes_the_best_degree_and_blends_the_gpa():
    assert score_of(education=[EducationInput("Master")])[1]["education"] == 12.75
    # 0.8 * 0.85 + 0.2 * (2.0 / 4) = 0.78 of 15
    assert score_of(education=[EducationInput("Master", 2.0)])[1]["education"] == 11.7
    # A GPA above the scale counts as full: 0.8 * 0.85 + 0.2 = 0.88 of 15
    assert score_of(education=[EducationInput("Master", 5.0)])[1]["education"] == 13.2
    best = [EducationInput("Bachelor"), EducationInput("PhD"), EducationInput("Associate")]
    assert score_of(education=best)[1]["education"] == 15.0
    assert score_of(education=[EducationInput("High School")])[1]["education"] == 4.5


def test_declared_years_only_without_listed_jobs():
    assert score_of(declared_years=4)[1]["experience"] == 10.0
    assert score_of(declared_years=None)[1]["experience"] == 0.0
    listed = [PeriodInput(date(2024, 11, 22), None, True)]  # two years
    assert score_of(experience=listed, declared_years=9)[1]["experience"] == 5.0


def test_each_component_is_capped_at_its_weight():
    score, breakdown = score_of(
        skills=[SkillInput(f"s{i}", "technical", 5) for i in range(10)],
        declared_years=30,
        certifications=[CertificationInput(date(2025, 1, 1))] * 7,
        portfolio_items=9,
        endorsements=40,
    )
    assert breakdown == {
        "technical_skills": 30.0,
        "experience": 25.0,
        "education": 0.0,
        "certifications": 15.0,
        "portfolio": 10.0,
        "endorsements": 5.0,
    }
    assert score == 85.0


def test_partial_components_and_the_rounded_total():
    score, breakdown = score_of(
        skills=[
            SkillInput("Python", "technical", 4),
            SkillInput("SQL", "technical", 3),
            SkillInput("Talking", "soft", 5),
            SkillInput("Banking", "domain", 5),
        ],
        declared_years=2.5,
        portfolio_items=2,
        endorsements=3,
    )
    assert breakdown == {
        "technical_skills": 7.0,  # 7 of 30 points, of 30
        "experience": 6.25,  # 2.5 of 10 years, of 25
        "education": 0.0,
        "certifications": 0.0,
        "portfolio": 6.67,  # 2 of 3, of 10
        "endorsements": 1.5,  # 3 of 10, of 5
    }
    assert score == 21.42


# --- names ------------------------------------------------------------------------------


def test_fold_and_missing_skills():
    assert fold(["Go", "  ", "", "go ", "Rust"]) == {"go": "go ", "rust": "Rust"}
    assert missing_skills(["python"], ["Python", "", " ", "Go", "Rust"]) == ["Go", "Rust"]
    assert missing_skills([], ["Go"]) == ["Go"]


# --- credentials ------------------------------------------------------------------------


def test_credential_json_and_hash():
    document = credential_document(
        holder_id=7,
        name="CKA",
        issuing_organization="CNCF",
        issue_date=date(2025, 3, 1),
        expiry_date=date(2028, 3, 1),
        credential_id=None,
    )
    expected = (
        b'{"credential_id":null,"expiry_date":"2028-03-01","holder_id":7,'
        b'"issue_date":"2025-03-01","issuing_organization":"CNCF","name":"CKA"}'
    )
    assert canonical_json(document) == expected
    assert canonical_json({"b": 1, "a": 2}) == b'{"a":2,"b":1}'
    assert credential_hash(document) == hashlib.sha256(expected).hexdigest()


# --- match score ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "points"),
    [(0, 21.0), (1, 21.0), (2, 24.5), (3, 28.0), (4, 31.5), (5, 35.0), (7, 35.0)],
)
def test_skill_points_by_proficiency(level, points):
    result = match_score(
        CandidateInput(skills=[SkillInput("Go", proficiency_level=level)]),
        JobInput(required_skills=["go"]),
    )
    assert result.breakdown["skills"] == points


def test_a_level_above_five_counts_as_five():
    result = match_score(
        CandidateInput(skills=[SkillInput("Go", proficiency_level=7)]),
        JobInput(required_skills=["Go", "Rust"]),
    )
    assert result.breakdown["skills"] == 17.5  # 1.0 of 2 required, of 35


def test_missing_skills_lower_the_share_and_are_advised_five_at_most():
    result = match_score(
        CandidateInput(skills=[SkillInput("Python", proficiency_level=5)]),
        JobInput(required_skills=["Python", "A", "B", "C", "D", "E", "F", "G"]),
    )
    assert result.breakdown["skills"] == 4.38  # 1 of 8, of 35
    assert result.matching_skills == ["Python"]
    assert result.missing_skills == ["A", "B", "C", "D", "E", "F", "G"]
    assert result.recommendations == ["Learn or add to your profile: A, B, C, D, E."]


def test_experience_salary_and_location_advice_texts():
    result = match_score(
        CandidateInput(years=4.0, desired_locations=["Lisbon"], salary_expectation_min=60000),
        JobInput(years_required=8, location="Berlin", remote_type="onsite", salary_max=30000),
    )
    assert result.breakdown["experience"] == 12.5
    assert result.breakdown["salary"] == 5.0
    assert result.breakdown["location"] == 0.0
    assert result.recommendations == [
        "The role asks for 8 years of experience; you list 4.",
        "The salary range is below your expectation.",
        "The location does not match your preferences.",
    ]


def test_a_perfect_fit_gives_no_advice():
    result = match_score(
        CandidateInput(
            skills=[SkillInput("Go", proficiency_level=5)],
            years=9,
            desired_locations=["Porto"],
            salary_expectation_min=50000,
            culture_values=["craft"],
        ),
        JobInput(
            required_skills=["Go"],
            years_required=9,
            location="Porto, Portugal",
            salary_max=50000,
            company_values=["Craft"],
        ),
    )
    assert result.overall_score == 100.0
    assert result.recommendations == []


def test_salary_uses_the_top_of_the_range_else_its_bottom():
    wanted = CandidateInput(salary_expectation_min=60000)
    assert (
        match_score(wanted, JobInput(salary_min=30000, salary_max=90000)).breakdown["salary"]
        == 10.0
    )
    assert match_score(wanted, JobInput(salary_min=45000)).breakdown["salary"] == 7.5
    assert match_score(CandidateInput(), JobInput(salary_min=45000)).breakdown["salary"] == 5.0
    unknown = match_score(wanted, JobInput())
    assert unknown.breakdown["salary"] == 5.0 and unknown.recommendations == []


@pytest.mark.parametrize(
    ("preference", "wanted", "remote_type", "location", "points"),
    [
        ("remote", ["Lisbon"], "remote", None, 15.0),
        ("hybrid", [], "remote", None, 15.0),
        ("onsite", ["Lisbon"], "remote", None, 7.5),
        ("remote", ["Lisbon"], "hybrid", "Lisbon", 7.5),
        ("remote", ["Lisbon"], "hybrid", "Porto", 0.0),
        ("remote", [], "onsite", "Lisbon", 0.0),
        ("onsite", ["Lisbon, Portugal"], "onsite", "Lisbon", 15.0),
        ("any", ["lisbon"], "hybrid", "LISBON, PT", 15.0),
        ("any", [], "onsite", "Lisbon", 7.5),
        ("any", ["  "], "onsite", "Lisbon", 7.5),
        ("any", ["Lisbon"], "onsite", None, 0.0),
        ("any", ["xx"], "onsite", None, 0.0),
        ("", ["Lisbon"], "remote", None, 15.0),
    ],
)
def test_location_points(preference, wanted, remote_type, location, points):
    candidate = CandidateInput(remote_preference=preference, desired_locations=wanted)
    result = match_score(candidate, JobInput(remote_type=remote_type, location=location))
    assert result.breakdown["location"] == points


def test_culture_share_of_the_users_values():
    assert culture_fit(["learning", "ownership"], ["Ownership", "pets"]) == 0.5
    assert culture_fit(["learning", " "], ["learning"]) == 1.0
    result = match_score(
        CandidateInput(culture_values=["a", "b", "c", "d"]), JobInput(company_values=["a"])
    )
    assert result.breakdown["culture"] == 3.75


def test_no_years_required_is_a_full_fit_and_the_total_is_rounded():
    result = match_score(
        CandidateInput(skills=[SkillInput("Go", proficiency_level=2)], years=0),
        JobInput(required_skills=["Go", "Rust", "C"], years_required=0),
    )
    # skills 0.7 / 3 of 35 = 8.1667; experience 25; location 7.5; salary 5; culture 0
    assert result.breakdown == {
        "skills": 8.17,
        "experience": 25.0,
        "location": 7.5,
        "salary": 5.0,
        "culture": 0.0,
    }
    assert result.overall_score == 45.67


ALIASES = {"js": "javascript", "javascript": "javascript", "golang": "go", "go": "go"}


def test_an_alias_of_the_vocabulary_counts_as_the_skill():
    # "JS" is listed, "JavaScript" required: the vocabulary names one skill.
    assert missing_skills(["JS"], ["JavaScript", "Go"], ALIASES) == ["Go"]
    assert missing_skills(["JS"], ["JavaScript", "Go"]) == ["JavaScript", "Go"]
    assert missing_skills(["golang"], ["Go", "Rust"], ALIASES) == ["Rust"]
    assert missing_skills(["Rust"], ["rust"], ALIASES) == []  # names outside it: by case
    candidate = CandidateInput(skills=[SkillInput("JS", proficiency_level=5)])
    job = JobInput(required_skills=["JavaScript", "Go"])
    result = match_score(candidate, job, ALIASES)
    assert (result.matching_skills, result.missing_skills) == (["JavaScript"], ["Go"])
    # One of two required skills at level 5 (full credit): 35 * 1/2.
    assert result.breakdown["skills"] == 17.5
    plain = match_score(candidate, job)
    assert plain.matching_skills == [] and plain.breakdown["skills"] == 0.0
    # An alias on the job side too: "golang" required, "Go" listed at level 1 (60%).
    listed = CandidateInput(skills=[SkillInput("Go", proficiency_level=1)])
    assert (
        match_score(listed, JobInput(required_skills=["golang"]), ALIASES).breakdown["skills"]
        == 21.0
    )
