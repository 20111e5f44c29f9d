"""Units for people and for the chain: scores are percentages for people
(``87.5``) and basis points on chain (8750); durations are ``48h`` or ``2d``
for people and seconds on chain; times are UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

DAY = 86_400
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": DAY}
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


def format_gwei(wei: int) -> str:
    """``228000123456789`` -> ``"228,000.123456789"``: exact, no rounding."""
    return f"{Decimal(wei) / Decimal(10**9):,f}"


def format_time(timestamp: int) -> str:
    if timestamp == 0:
        return "never"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def parse_duration(text: str) -> int:
    """``"48h"`` -> 172800; plain digits are seconds. ValueError otherwise."""
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError("a whole number of seconds, or with s, m, h or d (e.g. 48h, 2d)")
    return int(match.group(1)) * _DURATION_UNITS[match.group(2)]


def format_duration(seconds: int) -> str:
    """``90061`` -> ``"1 d 1 h"``: days and hours, or hours and minutes."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    if not days:
        parts += [f"{minutes} min"] * bool(minutes or not hours)
    return " ".join(parts)
