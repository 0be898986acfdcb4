"""Errors that carry their HTTP status and a public message in Korean and English.

One place (the API layer) turns them into responses; internal detail never reaches the client.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Base error: safe-to-show Korean and English messages, an HTTP status and a CKAN error type."""

    status = 400
    ckan_type = "Validation Error"

    def __init__(self, message_ko: str, message_en: str, **details: Any) -> None:
        super().__init__(message_en)
        self.message_ko = message_ko
        self.message_en = message_en
        self.details = details

    def public(self) -> dict[str, Any]:
        """The JSON body part a client may see."""
        body: dict[str, Any] = {
            "__type": self.ckan_type,
            "message": f"{self.message_ko} / {self.message_en}",
            "message_ko": self.message_ko,
            "message_en": self.message_en,
        }
        body.update(self.details)
        return body


class ValidationError(HubError):
    status = 409
    ckan_type = "Validation Error"


class BadRequest(HubError):
    status = 400
    ckan_type = "Validation Error"


class NotFound(HubError):
    status = 404
    ckan_type = "Not Found Error"


class NotAuthorized(HubError):
    status = 403
    ckan_type = "Authorization Error"


class TooLarge(HubError):
    status = 413
    ckan_type = "Validation Error"


class Conflict(HubError):
    status = 409
    ckan_type = "Validation Error"


class IngestError(ValidationError):
    """A file could not be ingested; details name the row and column where possible."""


def not_found(kind_ko: str, kind_en: str, ident: str) -> NotFound:
    return NotFound(f"{kind_ko}을(를) 찾을 수 없습니다: {ident}", f"{kind_en} not found: {ident}")
