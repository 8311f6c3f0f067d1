"""Render the Jinja2 document templates in templates/ and lay them out as PDF with reportlab.

Every PDF embeds one CJK TrueType font, WenQuanYi Micro Hei (文泉驿微米黑), installed with the project
from PyPI (``paperang-p2-fonts-cjk``), so a contract looks the same in any viewer and ``pdftotext``
extracts its Chinese text. reportlab subsets it into each file. Output is byte-for-byte deterministic
(``invariant``): the same text gives the same PDF and the same SHA-256.

Template syntax, one line per paragraph: ``# `` heading (the first is the title); ``| a | b |`` a table
row (the first row of a block is its header); ``> `` a signature block line; anything else a paragraph.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from config import ROOT

FONT = "WenQuanYiMicroHei"
_SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


class FontMissing(RuntimeError):
    pass


def font_path() -> Path:
    """The TrueType collection shipped by the ``paperang-p2-fonts-cjk`` wheel (a project dependency), or
    Debian's fonts-wqy-* as a fallback."""
    spec = importlib.util.find_spec("paperang_p2_fonts_cjk")
    candidates = list(_SYSTEM_FONTS)
    if spec is not None and spec.origin:
        candidates.insert(0, Path(spec.origin).parent / "fonts" / "wqy-microhei.ttc")
    for path in candidates:
        if path.exists():
            return path
    raise FontMissing("no CJK TrueType font: `pip install paperang-p2-fonts-cjk` (a project dependency)")


@lru_cache
def _register() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(font_path()), subfontIndex=0))
    return FONT


@lru_cache
def _env() -> Environment:
    # Plain text, not HTML: every line is XML-escaped when laid out as PDF paragraphs.
    loader = FileSystemLoader(ROOT / "templates")
    return Environment(loader=loader, undefined=StrictUndefined, autoescape=False)  # noqa: S701


def render_text(template: str, context: dict[str, Any]) -> str:
    return _env().get_template(template).render(**context)


@lru_cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _register()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6),
        "heading": ParagraphStyle(
            "heading", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=2
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK"),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=10.5, leading=22, wordWrap="CJK"),
    }


def _table(rows: list[list[str]], width: float) -> Table:
    styles = _styles()
    cells = [[Paragraph(escape(c), styles["cell"]) for c in row] for row in rows]
    n = max(len(r) for r in rows)
    first = width * (0.6 if n == 2 else 0.45)
    rest = (width - first) / max(n - 1, 1)
    table = Table(cells, colWidths=[first] + [rest] * (n - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def text_to_pdf(text: str, title: str, footer: str = "") -> bytes:
    styles = _styles()
    width = A4[0] - 40 * mm
    story: list[Any] = []
    first = True
    rows: list[list[str]] = []

    def flush_table() -> None:
        if rows:
            story.append(_table(list(rows), width))
            story.append(Spacer(1, 3 * mm))
            rows.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
            continue
        flush_table()
        if not line:
            continue
        if line.startswith("# "):
            story.append(Paragraph(escape(line[2:]), styles["title"] if first else styles["heading"]))
            first = False
        elif line.startswith("> "):
            story.append(Paragraph(escape(line[2:]), styles["sign"]))
        else:
            story.append(Paragraph(escape(line), styles["body"]))
            story.append(Spacer(1, 2 * mm))
    flush_table()

    def page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="家政服务数字化平台",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=1,
        initialFontName=FONT,  # else the canvas references (unembedded) Helvetica
    )
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
