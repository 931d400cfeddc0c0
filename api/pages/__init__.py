"""Server-rendered HTML pages, in French, for people (the JSON API lives under /api/v1).

`ROUTES` is what the app factory registers; `LOGIN_PATH` is where a 401 on a page leads.
"""

from api.pages import assets, establishments, login
from api.pages.rendering import LOGIN_PATH

ROUTES: list = [*login.ROUTES, *assets.ROUTES, *establishments.ROUTES]

__all__ = ["LOGIN_PATH", "ROUTES"]
