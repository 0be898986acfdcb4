"""Small helpers shared by the hub's parts."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from incheon.errors import BadRequest

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    """Naive UTC timestamp: both back ends store TIMESTAMP without zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def check_name(name: Any, what_ko: str = "이름", what_en: str = "name") -> str:
    """CKAN URL names: lowercase ASCII letters, digits, '-' and '_', 2–100 characters."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise BadRequest(
            f"{what_ko}은(는) 영문 소문자, 숫자, '-', '_'로 2~100자여야 합니다: {name!r}",
            f"{what_en} must be 2-100 characters of lowercase letters, digits, '-' or '_': {name!r}",
            field=what_en,
        )
    return name
