"""Render the Jinja2 document templates in templates/ and lay them out as PDF with reportlab."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from config import ROOT

FONT = "STSong-Light"


@lru_cache
def _env() -> Environment:
    # Plain text, not HTML: every line is XML-escaped when laid out as PDF paragraphs.
    loader = FileSystemLoader(ROOT / "templates")
    return Environment(loader=loader, undefined=StrictUndefined, autoescape=False)  # noqa: S701


def render_text(template: str, context: dict[str, Any]) -> str:
    return _env().get_template(template).render(**context)


@lru_cache
def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=18, spaceBefore=8, spaceAfter=2)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=17, wordWrap="CJK")
    return title, heading, body


def text_to_pdf(text: str, title: str) -> bytes:
    """Lines starting with '# ' are headings (the first one the title); other non-empty lines paragraphs."""
    title_style, heading, body = _styles()
    story: list[Any] = []
    first = True
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("# "):
            story.append(Paragraph(escape(line[2:]), title_style if first else heading))
            first = False
        else:
            story.append(Paragraph(escape(line), body))
            story.append(Spacer(1, 2 * mm))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=1,
    )
    doc.build(story)
    return buffer.getvalue()
