"""Schedule entries (month plans) extracted from tables and dated sentences."""
from __future__ import annotations

from .models import Chunk, Document, ScheduleEntry


def extract_schedule(doc: Document, chunks: list[Chunk]) -> list[ScheduleEntry]:
    """Dated activities of a document; filled in by the calendar work."""
    return []
