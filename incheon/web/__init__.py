"""The Incheon Data Portal (module `web`) and the rendering API other modules use to join its layout:

    from incheon.web import render
    return render(request, "my_page.html", **context)   # an HTMLResponse in the portal's layout

See `incheon.web.templating` for where templates, messages and static files are looked up.
"""

from incheon.web.templating import redirect, render, translator, url_with

__all__ = ["redirect", "render", "translator", "url_with"]
