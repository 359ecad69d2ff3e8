"""Server-rendered pages for workers and co-op administrators.

Design: Litestar's Jinja templates, with HTMX only for what must be live (a run's
progress); every flow works without JavaScript. Pages call the same services as `api/`
(`pools`, `income`, `runs`) and show what the monthly run stored; nothing in the services
knows about pages. Texts come from the catalogs (`i18n.pages`), numbers from
`i18n.formatting`; `lang`/`dir` follow the page language (Arabic right to left). Sessions
are signed, encrypted cookies (`web.session`); every form carries Litestar's CSRF token;
the JSON API and its bearer tokens are left out of both. Charts are SVG drawn on the
server (`web.charts`) beside a table that says the same in text. `api.app.create_app`
mounts what `web_parts(settings)` returns.
"""

from web.errors import pages_first
from web.setup import WebParts, web_parts

__all__ = ["WebParts", "pages_first", "web_parts"]
