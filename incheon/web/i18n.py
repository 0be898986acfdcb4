"""Message catalogues: one TOML file per language (`locale/ko.toml`, `locale/en.toml`), sections flattened
into dotted keys ("nav.home"). Korean is the reference language: a key missing in English falls back to
Korean, and a key missing everywhere shows itself (and fails the catalogue test).

Modules may ship their own `locale/<lang>.toml` next to their Python package; their keys join the same
catalogue (see `incheon.web.templating`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

from incheon.errors import HubError

E = TypeVar("E", bound=HubError)

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


def load_catalogues(dirs: Iterable[Traversable]) -> dict[str, dict[str, str]]:
    """Merge `<dir>/<lang>.toml` of every directory given (earlier directories win on a clash)."""
    out: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for d in dirs:
        for lang in LANGS:
            f = d / f"{lang}.toml"
            if f.is_file():
                for key, value in _flatten(tomllib.loads(f.read_text(encoding="utf-8"))).items():
                    out[lang].setdefault(key, value)
    return out


class Translator:
    """`t("key", n=3)`: the message in the page's language, formatted with str.format."""

    def __init__(self, catalogues: dict[str, dict[str, str]], lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self._messages = catalogues[self.lang]
        self._fallback = catalogues[DEFAULT_LANG]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._messages.get(key) or self._fallback.get(key)
        if text is None:
            return key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages or key in self._fallback

    def pick(self, obj: dict[str, Any] | None, field: str) -> Any:
        """A record's field in the page's language: `title_en` in English when present, else `title`."""
        if not obj:
            return ""
        if self.lang == "en":
            value = obj.get(f"{field}_en")
            if value:
                return value
        return obj.get(field) or obj.get(f"{field}_ko") or ""


@lru_cache(maxsize=1)
def portal_catalogues() -> dict[str, dict[str, str]]:
    """The portal's own catalogues (static package files), for text needed outside a request."""
    return load_catalogues([resources.files("incheon.web") / "locale"])


def message(lang: str, key: str, **values: Any) -> str:
    """One portal message, e.g. for a module's `nav()` labels: `message("ko", "nav.home")`."""
    return Translator(portal_catalogues(), lang)(key, **values)


def hub_error(cls: type[E], key: str, **values: Any) -> E:
    """A HubError whose Korean and English messages come from the catalogues (`error.<key>`)."""
    return cls(message("ko", key, **values), message("en", key, **values))
