"""The example templates shipped in ``assets/examples`` (one ``.loom`` file each)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from graph_core import loom_format
from graph_core.document import Document

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "assets" / "examples"
ORDER = ("mlp", "digits-cnn", "iris", "clothing-price", "multi-input-qa", "multi-output", "inception", "residual",
         "residual-downsample", "siamese-lstm", "siamese-vision", "model-as-layer")


@dataclass(frozen=True)
class TemplateInfo:
    """A template's slug (file stem), title and explanatory note."""

    slug: str
    title: str
    note: str
    path: Path


def list_templates() -> list:
    """Return every template in gallery order (the notes' order, then any others by name)."""
    found = {p.stem: p for p in EXAMPLES_DIR.glob("*.loom")}
    slugs = [s for s in ORDER if s in found] + sorted(s for s in found if s not in ORDER)
    infos = []
    for slug in slugs:
        data = json.loads(found[slug].read_text(encoding="utf-8"))
        infos.append(TemplateInfo(slug, data.get("title", slug), data.get("note", ""), found[slug]))
    return infos


def template_path(slug: str) -> Path:
    """Path of template ``slug``.

    Raises:
        KeyError: no such template (the message lists the available ones).
    """
    path = EXAMPLES_DIR / f"{slug}.loom"
    if not path.is_file():
        names = ", ".join(t.slug for t in list_templates())
        raise KeyError(f"no template named {slug!r}; available: {names}")
    return path


def load_template(slug: str) -> Document:
    """Load template ``slug`` as a new document."""
    return loom_format.load(template_path(slug))
