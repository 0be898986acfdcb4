"""JSON that keeps Korean readable (no \\u escapes) and serialises dates; one error shape for the API."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from incheon.errors import HubError

log = logging.getLogger("incheon.api")


class KoJSON(JSONResponse):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")


def help_url(request: Request, action: str = "") -> str:
    return str(request.url_for("ckan_help")) + (f"?name={action}" if action else "")


def ckan_ok(request: Request, result: Any, action: str = "") -> KoJSON:
    return KoJSON({"help": help_url(request, action), "success": True, "result": result})


def ckan_error(request: Request, exc: Exception) -> KoJSON:
    """HubErrors carry their status and public message; anything else is a 500 with a reference id."""
    if isinstance(exc, HubError):
        return KoJSON(
            {"help": help_url(request), "success": False, "error": exc.public()}, status_code=exc.status
        )
    ref = uuid.uuid4().hex[:12]
    log.exception("unhandled error ref=%s", ref)
    return KoJSON(
        {
            "help": help_url(request),
            "success": False,
            "error": {
                "__type": "Internal Server Error",
                "message": f"서버 오류가 발생했습니다 (참조 {ref}) / Internal server error (reference {ref})",
                "reference": ref,
            },
        },
        status_code=500,
    )
