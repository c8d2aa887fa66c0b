"""Document export: PDF (WeasyPrint), DOCX (python-docx), text, Markdown, HTML; the CLI."""

from __future__ import annotations

import asyncio
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import docx
import pypdf
from alembic import command
from sqlalchemy import select
from typer.testing import CliRunner

from skillnest.accounts.models import User
from skillnest.careers.documents import service as documents
from skillnest.careers.documents.models import DocumentTemplate
from skillnest.careers.documents.schemas import GenerateIn
from skillnest.cli import app as cli_app
from skillnest.core.cli import open_platform
from skillnest.ops.service import alembic_config
from skillnest.settings import get_settings
from tests.careers.test_documents import _fill_profile, _templates
from tests.conftest import drop_postgres_database, empty_database_url, make_settings

API = "/api/v1"
SKILLS = ("Python", "PostgreSQL", "Docker")


async def _resume(client, me, template="Modern Professional Resume"):
    await _fill_profile(client, me)
    chosen = (await _templates(client))[template]
    made = await client.post(
        f"{API}/documents", headers=me.headers, json={"template_id": chosen["id"]}
    )
    assert made.status_code == 201, made.text
    return made.json()


async def _export(client, me, document_id, fmt):
    return await client.get(
        f"{API}/documents/{document_id}/export", params={"format": fmt}, headers=me.headers
    )


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_resume_downloads_as_pdf_with_name_and_skills(client, person):
    me = await person(name="Rita Lopes", location="Lisbon")
    doc = await _resume(client, me)
    response = await _export(client, me, doc["id"], "pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="Resume-{doc["id"]}.pdf"' in disposition
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content)
    assert "Rita Lopes" in text
    for skill in SKILLS:
        assert skill in text
    assert "Professional Summary" in text and "Cut p99 latency by 40%" in text
    assert "<b>reliable</b>" in text  # typed HTML is text in the PDF too


async def test_resume_downloads_as_docx_that_python_docx_reopens(client, person):
    me = await person(name="Rita Lopes")
    doc = await _resume(client, me)
    response = await _export(client, me, doc["id"], "docx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert f"Resume-{doc['id']}.docx" in response.headers["content-disposition"]
    reopened = docx.Document(io.BytesIO(response.content))
    paragraphs = [(p.style.name, p.text) for p in reopened.paragraphs]
    assert paragraphs[0] == ("Heading 1", "Rita Lopes")
    assert ("Heading 2", "Skills") in paragraphs
    bullets = [text for style, text in paragraphs if style == "List Bullet"]
    for skill in SKILLS:
        assert any(text.startswith(skill) for text in bullets)
    # The modern template's primary colour and font size reach the Word document.
    heading_run = reopened.paragraphs[0].runs[0]
    assert str(heading_run.font.color.rgb) == "2563EB"
    assert reopened.styles["Normal"].font.size.pt == 11
    assert reopened.core_properties.title == "Resume"


async def test_text_markdown_and_html_exports(client, person):
    me = await person(name="Rita Lopes")
    doc = await _resume(client, me)
    md = await _export(client, me, doc["id"], "md")
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.text == doc["content"]["markdown"]
    txt = await _export(client, me, doc["id"], "txt")
    assert txt.headers["content-type"] == "text/plain; charset=utf-8"
    assert txt.text.startswith("Rita Lopes\n==========\n")
    assert "**" not in txt.text and "• Python · Expert" in txt.text
    page = await _export(client, me, doc["id"], "html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!DOCTYPE html>")
    assert "<title>Resume</title>" in page.text and "color: #2563eb" in page.text
    assert "&lt;b&gt;reliable&lt;/b&gt;" in page.text and "<b>" not in page.text
    ats = await _resume(client, me, "ATS-Friendly Classic Resume")
    ats_page = (await _export(client, me, ats["id"], "html")).text
    assert '"Liberation Sans"' in ats_page  # Arial asked for, its metric twin used


async def test_export_is_private_and_validated(client, person):
    me, other = await person(), await person()
    doc = await _resume(client, me)
    assert (await _export(client, other, doc["id"], "pdf")).status_code == 404
    assert (await _export(client, me, 999_999, "pdf")).status_code == 404
    bad = await _export(client, me, doc["id"], "exe")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    anonymous = await client.get(f"{API}/documents/{doc['id']}/export")
    assert anonymous.status_code == 401


class _Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


async def test_pdf_export_fetches_nothing_a_document_points_at(client, person):
    me = await person(name="Rita Lopes")
    doc = await _resume(client, me)
    server = HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/pixel.png"
        edited = await client.put(
            f"{API}/documents/{doc['id']}",
            headers=me.headers,
            json={"markdown": f"# Rita Lopes\n\n![tracker]({url}) and [a link]({url})\n"},
        )
        assert edited.status_code == 200
        response = await _export(client, me, doc["id"], "pdf")
        assert response.status_code == 200
        assert "Rita Lopes" in _pdf_text(response.content)
    finally:
        server.shutdown()
        server.server_close()
    assert _Counting.hits == 0


def test_careers_export_command_writes_a_pdf(backend, tmp_path, monkeypatch):
    url = empty_database_url(backend, tmp_path, prefix="skillnest_careers_export")
    try:
        settings = make_settings(url, None)
        command.upgrade(alembic_config(settings), "head")
        monkeypatch.setenv("SKILLNEST_ENV", "test")
        monkeypatch.setenv("SKILLNEST_DATABASE_URL", url)
        monkeypatch.setenv("SKILLNEST_SECRET_KEY", "test-secret-key-0123456789abcdef")
        monkeypatch.setenv("SKILLNEST_PSEUDONYM_KEY", "test-pseudonym-key-0123456789abcdef")
        monkeypatch.delenv("SKILLNEST_REDIS_URL", raising=False)
        get_settings.cache_clear()
        runner = CliRunner()
        assert runner.invoke(cli_app, ["demo", "load"]).exit_code == 0

        async def generate() -> int:
            async with open_platform() as platform, platform.db.unit_of_work() as session:
                user = await session.scalar(select(User).where(User.email == "demo@skillnest.dev"))
                template = await session.scalar(
                    select(DocumentTemplate.id).where(
                        DocumentTemplate.name == "Modern Professional Resume"
                    )
                )
                assert user is not None and template is not None
                made = await documents.generate_document(
                    session=session, user_id=user.id, data=GenerateIn(template_id=template)
                )
                return made.id

        document_id = asyncio.run(generate())
        target = tmp_path / "resume.pdf"
        result = runner.invoke(
            cli_app, ["careers", "export", str(document_id), "--format", "pdf", "-o", str(target)]
        )
        assert result.exit_code == 0, result.stderr
        assert "application/pdf" in result.stdout
        text = _pdf_text(target.read_bytes())
        assert "Demo User" in text
        missing = runner.invoke(cli_app, ["careers", "export", "999999", "-o", str(target)])
        assert missing.exit_code == 1 and "No such generated document" in missing.stderr
        wrong = runner.invoke(cli_app, ["careers", "export", str(document_id), "-f", "exe"])
        assert wrong.exit_code == 2
    finally:
        get_settings.cache_clear()
        if backend == "postgresql":
            drop_postgres_database(url)
