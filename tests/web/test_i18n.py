"""Message catalogues: Korean and English have the same keys, every key the templates and code use exists,
and the portal's Python code holds no Korean text (it all lives in the catalogues)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from incheon.hub.ingest.pipeline import _REJECT_KO
from incheon.hub.ingest.types import TYPES
from incheon.hub.vocab import LICENSES
from incheon.web import maps, pages
from incheon.web.i18n import LANGS, Translator, _flatten, message, portal_catalogues

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "incheon" / "web"
TEMPLATES = [*WEB.glob("templates/*.html"), *(ROOT / "incheon" / "plan").glob("templates/*.html")]
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def catalogue(lang: str) -> dict[str, str]:
    return _flatten(tomllib.loads((WEB / "locale" / f"{lang}.toml").read_text(encoding="utf-8")))


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    ko, en = catalogue("ko"), catalogue("en")
    assert set(ko) == set(en), set(ko) ^ set(en)
    for key in ko:
        assert set(re.findall(r"\{(\w+)", ko[key])) == set(re.findall(r"\{(\w+)", en[key])), key
    assert all(HANGUL.search(v) for k, v in ko.items() if k.startswith(("home.", "search.", "login.")))


def test_every_key_used_exists() -> None:
    known = set(catalogue("ko"))
    used: set[str] = set()
    sources = [p.read_text(encoding="utf-8") for p in TEMPLATES] + [
        p.read_text(encoding="utf-8") for p in [*WEB.glob("*.py"), ROOT / "incheon" / "plan" / "module.py"]
    ]
    for text in sources:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z][\w-]*\.[\w.-]+)["']\s*[,)]""", text))
        used |= set(re.findall(r"""\b(?:message|hub_error)\([^)]*?["']([a-z]+\.[\w.-]+)["']""", text))
    dynamic = {
        *(f"download.{k}" for k in ("csv", "csv_cp949", "json", "geojson", "parquet", "dcat")),
        *(f"license.{k}" for k in LICENSES),
        *(f"map.func.{f}" for f in maps.FUNCS),
        *(f"preview.{d}" for d in ("asc", "desc")),
        *(f"quality.severity.{s}" for s in ("error", "warning", "info")),
        *(f"type.{t}" for t in TYPES),
        *(f"facet.{p}" for p in pages.FACETS),
        *(f"search.sort_{(s.split(' ')[0] or 'default')}" for s in pages.SORTS),
        *(f"upload.reject.{e.lower().replace(' ', '_')}" for e in _REJECT_KO),
        *(f"plan.sub.{a}-{b}" for a, b in ("11", "12", "13", "21", "22", "31", "32", "41", "42")),
        *(
            f"role.{r}"
            for r in (
                "row_id",
                "sgg_code",
                "dong_code",
                "district_name",
                "sgg_code_derived",
                "lon",
                "lat",
                "x",
                "y",
                "lon_derived",
                "lat_derived",
            )
        ),
    }
    missing = sorted((used | dynamic) - known)
    assert not missing, missing


@pytest.mark.parametrize("path", sorted(p.name for p in WEB.glob("*.py") if p.name != "charts.py"))
def test_no_korean_text_in_portal_code(path: str) -> None:
    """charts.py is left out: it recognises Korean column names (연도, 합계), which are data, not text."""
    assert not HANGUL.search((WEB / path).read_text(encoding="utf-8"))


def test_translator_falls_back_and_picks_english_fields() -> None:
    cats = portal_catalogues()
    en = Translator(cats, "en")
    assert en("nav.home") == "Home" and Translator(cats, "ko")("nav.home") == "홈"
    assert en("no.such.key") == "no.such.key"
    assert en("home.dataset_count", n=1234) == "1,234 datasets"
    assert en.pick({"title": "제목", "title_en": "Title"}, "title") == "Title"
    assert en.pick({"title": "제목", "title_en": None}, "title") == "제목"
    assert Translator(cats, "xx").lang == "ko"
    assert message("ko", "plan.title") == "기본계획 과제" and set(LANGS) == {"ko", "en"}
