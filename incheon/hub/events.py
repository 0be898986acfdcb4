"""In-process event bus: modules learn about hub changes without reading each other's tables."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
Handler = Callable[[str, dict[str, Any]], None]


class EventBus:
    """Topics are dotted names (`dataset.created`, `resource.version_published`); subscribe by prefix."""

    def __init__(self) -> None:
        self._subs: list[tuple[str, Handler]] = []
        self._lock = threading.Lock()

    def subscribe(self, prefix: str, handler: Handler) -> None:
        with self._lock:
            self._subs.append((prefix, handler))

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        """Called after the change has committed; a failing handler is logged, never undoes the change."""
        with self._lock:
            subs = [h for p, h in self._subs if topic.startswith(p)]
        for handler in subs:
            try:
                handler(topic, payload)
            except Exception:  # noqa: BLE001 - one bad subscriber must not break publishing
                log.exception("event handler failed for %s", topic)
