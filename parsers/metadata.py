"""Find publication dates and URLs in text (bylines, datelines, dump headers)."""

from __future__ import annotations

from datetime import UTC, datetime

from parsers import rules

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def parse_date(value: str | None) -> datetime | None:
    """Parse the first date in ``value`` (ISO 8601 or an English written date) as UTC.

    Returns None when there is no plausible date (years 1990-2100 only).
    """
    if not value:
        return None
    iso, month_first, day_first = rules.DATE_PATTERNS
    candidates = []
    match = iso.search(value) if "-" in value else None  # (the substring test is much faster)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        hour, minute = int(match[4] or 0), int(match[5] or 0)
        candidates.append((match.start(), year, month, day, hour, minute))
    match = month_first.search(value)
    if match:
        candidates.append((match.start(), int(match[3]), _month(match[1]), int(match[2]), 0, 0))
    match = day_first.search(value)
    if match:
        candidates.append((match.start(), int(match[3]), _month(match[2]), int(match[1]), 0, 0))
    for _, year, month, day, hour, minute in sorted(candidates):
        if not 1990 <= year <= 2100:
            continue
        try:
            return datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:
            continue
    return None


def find_date(text: str) -> datetime | None:
    """The first plausible publication date written in ``text``."""
    return parse_date(text)
