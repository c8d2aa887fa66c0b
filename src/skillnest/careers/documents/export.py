"""Document export: standalone HTML, PDF (WeasyPrint), DOCX (python-docx), Markdown, plain text.

Every format is built from the document's Markdown and its template's ``styling`` (font, size,
colours, layout), so a PDF, a DOCX and the HTML look like the template intends. The HTML body is
markdown-it's (raw HTML disabled), and the PDF renderer fetches nothing: a link or an image in a
document never makes the server reach out.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from skillnest.careers.documents.render import markdown_to_html
from skillnest.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from docx.shared import RGBColor

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": DOCX_TYPE,
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
# Families a template may name, mapped to fonts the project's scripts install (Debian's
# fonts-liberation is metric-compatible with Arial/Helvetica/Times; DejaVu covers the rest).
FONT_SUBSTITUTES = {
    "arial": "Liberation Sans",
    "helvetica": "Liberation Sans",
    "inter": "DejaVu Sans",
    "times": "Liberation Serif",
    "times new roman": "Liberation Serif",
    "georgia": "DejaVu Serif",
    "courier": "Liberation Mono",
}
SIDEBAR_SECTIONS = frozenset({"skills", "education"})


@dataclass(frozen=True)
class Style:
    """What a template's ``styling`` asks for, with defaults."""

    font_family: str = "DejaVu Sans"
    font_size: float = 11
    primary: str = "#000000"
    secondary: str = "#333333"
    text: str = "#000000"
    layout: str = "single-column"
    sidebar_titles: frozenset[str] = field(default_factory=frozenset)


def style_of(spec: dict[str, Any] | None) -> Style:
    """The style of a template spec (validated by JSON Schema before it was stored)."""
    spec = spec or {}
    styling = spec.get("styling") or {}
    colors = styling.get("colors") or {}
    wanted = str(styling.get("fontFamily") or "DejaVu Sans")
    sidebar = frozenset(
        s["title"].casefold()
        for s in spec.get("sections") or []
        if s.get("type") in SIDEBAR_SECTIONS
    )
    return Style(
        font_family=FONT_SUBSTITUTES.get(wanted.casefold(), wanted),
        font_size=float(styling.get("fontSize") or 11),
        primary=colors.get("primary", "#000000"),
        secondary=colors.get("secondary", "#333333"),
        text=colors.get("text", "#000000"),
        layout=str(styling.get("layout") or "single-column"),
        sidebar_titles=sidebar,
    )


# --- HTML and PDF ----------------------------------------------------------------------

_CSS = """
@page {{ size: A4; margin: 18mm 16mm; }}
html {{ font-family: "{font}", "DejaVu Sans", sans-serif; font-size: {size}pt;
        color: {text}; line-height: 1.35; }}
body {{ margin: 0; }}
h1 {{ color: {primary}; font-size: 2em; margin: 0 0 .2em; }}
h2 {{ color: {primary}; font-size: 1.25em; margin: 1em 0 .3em;
      border-bottom: 1px solid {primary}; padding-bottom: .1em; }}
h3 {{ font-size: 1.05em; margin: .7em 0 .1em; }}
em {{ color: {secondary}; }}
p {{ margin: .25em 0; }} ul {{ margin: .2em 0; padding-left: 1.2em; }}
h1 + p {{ white-space: pre-line; color: {secondary}; }}
a {{ color: {primary}; text-decoration: none; }}
.columns {{ display: flex; gap: 6mm; }}
.main {{ flex: 2; }} .sidebar {{ flex: 1; }}
.two-column {{ column-count: 2; column-gap: 8mm; }}
"""

_H2 = re.compile(r"(?=<h2>)")
_H2_TITLE = re.compile(r"^<h2>(.*?)</h2>")


def _laid_out(body: str, style: Style) -> str:
    """The body HTML arranged in the template's layout."""
    if style.layout == "single-column":
        return body
    head, *sections = _H2.split(body)
    if style.layout == "two-column":
        return f'{head}<div class="two-column">{"".join(sections)}</div>'
    main: list[str] = []
    side: list[str] = []
    for section in sections:
        title = _H2_TITLE.match(section)
        is_side = title is not None and (
            html.unescape(title.group(1)).casefold() in style.sidebar_titles
        )
        (side if is_side else main).append(section)
    return (
        f'{head}<div class="columns"><div class="main">{"".join(main)}</div>'
        f'<aside class="sidebar">{"".join(side)}</aside></div>'
    )


def standalone_html(*, title: str, markdown: str, style: Style) -> str:
    """A complete HTML page of the document, styled like its template."""
    css = _CSS.format(
        font=style.font_family.replace('"', ""),
        size=f"{style.font_size:g}",
        text=style.text,
        primary=style.primary,
        secondary=style.secondary,
    )
    body = _laid_out(markdown_to_html(markdown), style)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>\n"
    )


@lru_cache(maxsize=1)
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's HTML class and a fetcher that fetches nothing (imported on first use)."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # Pango missing: only PDF export is unavailable
        raise ServiceUnavailable(
            "PDF export needs Pango and fonts: run `bash scripts/services.sh pdf-deps`."
        ) from exc

    class NoFetching(URLFetcher):
        """Documents hold user text: the renderer never reaches a URL or a local file."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            """Refuse every resource (WeasyPrint then leaves the image out)."""
            raise ValueError(f"external resources are not loaded: {url[:100]}")

    return HTML, NoFetching


def to_pdf(page: str) -> bytes:
    """The PDF of a standalone HTML page (WeasyPrint; fonts through fontconfig)."""
    html_class, fetcher = _weasyprint()
    pdf = html_class(string=page, url_fetcher=fetcher()).write_pdf()
    assert pdf is not None
    return bytes(pdf)


# --- Markdown as blocks (for DOCX and plain text) ---------------------------------------


@dataclass
class Run:
    """A piece of inline text and its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass
class Block:
    """A heading, paragraph, list item, quote or code block."""

    kind: str
    runs: list[Run]
    level: int = 0
    ordered: bool = False


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def _runs(inline: Token) -> list[Run]:
    runs: list[Run] = []
    bold = italic = False
    for child in inline.children or []:
        if child.type == "strong_open" or child.type == "strong_close":
            bold = child.type == "strong_open"
        elif child.type == "em_open" or child.type == "em_close":
            italic = child.type == "em_open"
        elif child.type in ("text", "html_inline"):
            runs.append(Run(child.content, bold, italic))
        elif child.type == "code_inline":
            runs.append(Run(child.content, bold, italic, code=True))
        elif child.type in ("softbreak", "hardbreak"):
            # Templates write one fact per line (headline, then contact): keep their lines.
            runs.append(Run("\n", bold, italic))
        elif child.type == "image":
            runs.append(Run(child.content, bold, italic))
    return runs


def blocks(markdown: str) -> Iterator[Block]:
    """The blocks of a Markdown text, in order."""
    lists: list[bool] = []  # the open lists, True when ordered
    kind, level = "paragraph", 0
    for token in _parser().parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.type == "ordered_list_open")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "heading_open":
            kind, level = "heading", int(token.tag[1])
        elif token.type == "paragraph_open":
            kind, level = ("item", len(lists)) if lists else ("paragraph", 0)
        elif token.type == "blockquote_open":
            kind = "quote"
        elif token.type == "inline":
            yield Block(kind, _runs(token), level, bool(lists and lists[-1]))
            kind, level = ("quote", 0) if kind == "quote" else ("paragraph", 0)
        elif token.type in ("fence", "code_block"):
            yield Block("code", [Run(token.content.rstrip("\n"), code=True)])
        elif token.type == "hr":
            yield Block("rule", [])
        elif token.type == "blockquote_close":
            kind = "paragraph"


def to_text(markdown: str) -> str:
    """Plain text of a document: headings underlined, list items bulleted, no markup."""
    out: list[str] = []
    numbers: dict[int, int] = {}
    for block in blocks(markdown):
        text = "".join(r.text for r in block.runs)
        if block.kind != "item":
            numbers.clear()
        if block.kind == "heading":
            rule = "=" if block.level == 1 else "-"
            out.append(f"\n{text}\n{rule * len(text)}" if block.level <= 2 else f"\n{text}")
        elif block.kind == "item":
            indent = "  " * (block.level - 1)
            numbers[block.level] = numbers.get(block.level, 0) + 1
            mark = f"{numbers[block.level]}." if block.ordered else "•"
            out.append(f"{indent}{mark} {text}")
        elif block.kind == "quote":
            out.append("> " + text)
        elif block.kind == "rule":
            out.append("-" * 40)
        else:
            out.append(text)
    return "\n".join(out).strip() + "\n"


# --- DOCX -------------------------------------------------------------------------------


def _rgb(color: str) -> RGBColor:
    from docx.shared import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def to_docx(*, title: str, markdown: str, style: Style) -> bytes:
    """A Word document of the Markdown, in the template's font, size and colours."""
    # python-docx (and lxml) load on the first Word export, not at every start (70 ms).
    from docx import Document as DocxDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = DocxDocument()
    document.core_properties.title = title[:255]
    normal = document.styles["Normal"]
    normal.font.name = style.font_family
    normal.font.size = Pt(style.font_size)
    normal.font.color.rgb = _rgb(style.text)
    for block in blocks(markdown):
        if block.kind == "heading":
            paragraph = document.add_heading(level=min(block.level, 9))
            if block.level == 1:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        elif block.kind == "item":
            name = "List Number" if block.ordered else "List Bullet"
            paragraph = document.add_paragraph(style=name if block.level < 2 else f"{name} 2")
        elif block.kind == "quote":
            paragraph = document.add_paragraph(style="Quote")
        elif block.kind == "rule":
            document.add_paragraph("_" * 40)
            continue
        else:
            paragraph = document.add_paragraph()
        for piece in block.runs:
            run = paragraph.add_run(piece.text)
            run.bold = piece.bold or None
            run.italic = piece.italic or None
            run.font.name = "Liberation Mono" if piece.code else style.font_family
            if block.kind == "heading":
                run.font.color.rgb = _rgb(style.primary)
            elif piece.italic:
                run.font.color.rgb = _rgb(style.secondary)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
