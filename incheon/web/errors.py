"""HTML error pages for portal routes: a HubError shows its public message in the page's language with
its status; anything else is a 500 with a reference id (the detail goes to the log only)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from incheon.errors import BadRequest, HubError
from incheon.web.i18n import hub_error

log = logging.getLogger("incheon.web")


def error_page(request: Request, exc: Exception) -> Response:
    from incheon.web.templating import render, translator

    t = translator(request)
    if isinstance(exc, RequestValidationError):
        exc = hub_error(BadRequest, "error.invalid_request")
    if isinstance(exc, HubError):
        message = exc.message_en if t.lang == "en" else exc.message_ko
        return render(request, "error.html", status_code=exc.status, status=exc.status, message=message)
    ref = uuid.uuid4().hex[:12]
    log.exception("unhandled error on %s ref=%s", request.url.path, ref, exc_info=exc)
    return render(request, "error.html", status_code=500, status=500, message=t("error.internal", ref=ref))


class PageRoute(APIRoute):
    """Routes whose errors are pages, not the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 - one place turns page errors into pages
                return error_page(request, exc)

        return page_handler
