"""GET /me/export: everything a user owns across the modules, and nobody else's."""

from __future__ import annotations

from skillnest.careers.models import UserSkill
from skillnest.catalog.models import Skill, UserSkillPreference
from skillnest.exchange.models import Chat, Message, Rating
from skillnest.gauge.models import Contract
from tests.factories import login, make_user


async def _owned_by(session, user, other, chat, tag: str) -> None:
    session.add_all(
        [
            Message(chat_id=chat.id, sender_id=user.id, content=f"{tag} says hello"),
            Message(chat_id=chat.id, sender_id=other.id, content=f"reply to {tag} from other"),
            Rating(rater_id=user.id, rated_id=other.id, chat_id=chat.id, rating=5),
            UserSkill(user_id=user.id, name=f"{tag}-skill", proficiency_level=4),
            Contract(user_id=user.id, name=f"{tag}-contract", address="0xabc", chain="ethereum"),
        ]
    )
    skill = Skill(skill_id=f"{tag}/skill", title=f"{tag} skill", repo=f"{tag}/repo")
    session.add(skill)
    await session.flush()
    session.add(UserSkillPreference(user_id=user.id, skill_id=skill.id))
    await session.flush()


async def test_export_holds_every_module_and_only_the_users_data(client, session):
    alice = await make_user(session, name="Alice Export")
    bob = await make_user(session, name="Bob Other")
    alice_id, bob_id = alice.id, bob.id
    chat = Chat(user1_id=alice_id, user2_id=bob_id)
    session.add(chat)
    await session.flush()
    chat_id = chat.id
    await _owned_by(session, alice, bob, chat, "alice")
    await _owned_by(session, bob, alice, chat, "bob")
    headers = await login(client, alice)

    response = await client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    doc = response.json()
    assert doc["format"] == "skillnest-export/1" and doc["user_id"] == alice_id
    modules = doc["modules"]
    assert set(modules) >= {"accounts", "exchange", "help", "catalog", "careers", "gauge"}

    assert modules["accounts"]["profile"]["name"] == "Alice Export"
    assert "password_hash" not in modules["accounts"]["profile"]
    assert all("token_hash" not in s for s in modules["accounts"]["sessions"])
    sent = [m["content"] for m in modules["exchange"]["messages_sent"]]
    assert sent == ["alice says hello", "reply to bob from other"]
    assert [r["rated_id"] for r in modules["exchange"]["ratings_given"]] == [bob_id]
    assert [c["id"] for c in modules["exchange"]["chats"]] == [chat_id]
    received = modules["exchange"]["ratings_received"]
    assert len(received) == 1 and "rater_id" not in received[0]
    assert [s["name"] for s in modules["careers"]["skills"]] == ["alice-skill"]
    assert [c["name"] for c in modules["gauge"]["contracts"]] == ["alice-contract"]
    assert len(modules["catalog"]["skill_preferences"]) == 1
    assert "pseudonym" in modules["help"]["excluded"]

    text = response.text
    for foreign in ("bob-skill", "bob-contract", "bob says hello", "reply to alice from other"):
        assert foreign not in text
    assert "Bob Other" not in text
    assert (await client.get("/api/v1/me/export")).status_code == 401
