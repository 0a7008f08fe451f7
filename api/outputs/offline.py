"""Make a folium page self-contained: Leaflet's script and stylesheet inlined from the vendored copy, so
routes and markers show without internet (only the background tiles then stay blank)."""

from __future__ import annotations

import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "templates" / "vendor" / "leaflet"


# folium builds popup contents with jQuery's $(`<div>…</div>`)[0]; this is all of jQuery it needs.
JQUERY_SHIM = ("window.$ = window.$ || function (markup) { var t = document.createElement('template'); "
               "t.innerHTML = String(markup).trim(); return [t.content.firstElementChild]; };")


def inline_leaflet(page: str) -> str:
    """Replace the <script src=…leaflet.js> and <link href=…leaflet.css> tags by their contents."""
    js = (VENDOR / "leaflet.js").read_text(encoding="utf-8")
    css = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    page, n_js = re.subn(r'<script src="[^"]*/leaflet\.js"></script>',
                         lambda _m: f"<script>/* Leaflet 1.9.4, BSD-2-Clause */\n{js}</script>", page)
    page, n_css = re.subn(r'<link rel="stylesheet" href="[^"]*/leaflet\.css"\s*/?>',
                          lambda _m: f"<style>/* Leaflet 1.9.4, BSD-2-Clause */\n{css}</style>", page)
    page = page.replace("<script>/* Leaflet 1.9.4", f"<script>{JQUERY_SHIM}</script>\n<script>/* Leaflet 1.9.4", 1)
    if not (n_js and n_css):
        raise RuntimeError("Leaflet tags not found in the map page; folium's template changed")
    return page
