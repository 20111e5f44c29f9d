"""Scores are percentages for people (``87.5``) and basis points on chain (8750)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

DAY = 86_400
_PERCENT = re.compile(r"^(?:100(?:\.0{1,2})?|\d{1,2}(?:\.\d{1,2})?)$")


def parse_percent(text: str) -> int:
    """``"87.5"`` -> 8750. A number from 0 to 100 with at most two decimals;
    ValueError otherwise."""
    text = text.strip()
    if not _PERCENT.match(text):
        raise ValueError("a number from 0 to 100 with at most two decimals")
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int(frac.ljust(2, "0"))


def format_percent(basis_points: int) -> str:
    whole, frac = divmod(basis_points, 100)
    return f"{whole}" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


def format_time(timestamp: int) -> str:
    if timestamp == 0:
        return "never"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
