"""The session cookie, set only by pages and data requests — never by static files.

Sessions are signed cookies that slide (SESSION_REFRESH_EACH_REQUEST), so by default every
response re-sends the cookie, a stylesheet's included. A page's static files are fetched in
parallel and may still be on their way when the user logs out or a login page is loaded: their
late responses then put the previous session back in the browser — the logged-out user is
logged in again, or the login form's CSRF token no longer matches ("400" on a correct login).
Static responses therefore carry no Set-Cookie; the pages around them keep the session alive.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin


def is_static_request() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


class PageSessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if is_static_request():
            return False
        return super().should_set_cookie(app, session)
