"""Skill exchange (seed 001): offer/learn profiles, matching, chats, messages, ratings."""
