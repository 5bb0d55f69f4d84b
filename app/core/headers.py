"""Security headers on every response, and the per-request nonce for inline scripts.

Content-Security-Policy allows scripts only from our own origin or carrying this request's
nonce: Flask-AppBuilder's templates already write ``nonce="{{ baselib.get_nonce() }}"`` on
every script tag, and that macro calls ``csp_nonce()`` when the template context has it — we
provide it. Styles keep 'unsafe-inline' because FAB's templates and jQuery plugins (select2,
datepicker) set ``style`` attributes; styles cannot run code. Nothing is loaded from other
origins: the product runs on closed government networks.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, g, request
from flask_babel import gettext
from werkzeug.exceptions import RequestEntityTooLarge

NONCE_KEY = "csp_nonce"


def csp_nonce() -> str:
    """This request's nonce (created on first use)."""
    nonce = g.get(NONCE_KEY)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, NONCE_KEY, nonce)
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def init_security_headers(app: Flask) -> None:
    """CSP with a nonce, no framing, no MIME sniffing, no referrer to other sites."""
    app.jinja_env.globals[NONCE_KEY] = csp_nonce

    @app.before_request
    def _refuse_nul_characters() -> None:
        # A NUL character is never text a person typed. PostgreSQL refuses it in text columns
        # (an error in the middle of a save or a search: a 500), SQLite would store it. Found by
        # tests/security/test_fuzz_forms.py; refused here once for every form, search and API.
        values = [v for _, v in request.args.items(multi=True)]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                values += [v for _, v in request.form.items(multi=True)]
            except RequestEntityTooLarge:
                return  # the view says so in its own words (e.g. the import page's size limit)
        if any("\x00" in v for v in values) or (
            request.is_json and b"\\u0000" in request.get_data(cache=True)
        ):
            abort(400, description=gettext("The input contains a character that is not allowed."))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
