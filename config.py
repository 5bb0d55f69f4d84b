"""Configuration defaults, read from the environment.

Everything a deployment changes comes from environment variables; nothing secret is committed.
`XF_ENV=production` turns the demo conveniences off: a missing SECRET_KEY is then an error.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("XF_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url() -> str:
    """DATABASE_URL if set (PostgreSQL via psycopg 3), else a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'xinfang.db'}"
    # Accept the usual libpq-style URL and route it to psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(env: str) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise RuntimeError("SECRET_KEY must be set when XF_ENV=production")
    # Demo/development: a random key kept in the instance folder so sessions survive restarts.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# demo: the demo county and its published logins; development: the same, for programmers;
# production: no demo data, secrets required, HTTPS cookies. Anything else stops the start —
# a typo ("prod", "Production") must not quietly run a production server in demo mode.
XF_ENVIRONMENTS = ("demo", "development", "production")
XF_ENV = os.environ.get("XF_ENV", "demo").strip() or "demo"
if XF_ENV not in XF_ENVIRONMENTS:
    raise RuntimeError(f"XF_ENV={XF_ENV!r} is not one of {', '.join(XF_ENVIRONMENTS)}")

# --- Application -----------------------------------------------------------------------------
APP_NAME = "信访工作管理平台"
APP_ICON = ""
SECRET_KEY = secret_key(XF_ENV)
DEMO_MODE = XF_ENV != "production"
# The county's time zone: every "now", form default, day boundary, deadline and report period
# (app/core/clock.py), whatever TZ the server itself runs in.
XF_TIMEZONE = os.environ.get("XF_TIMEZONE", "Asia/Shanghai").strip() or "Asia/Shanghai"

# --- Database --------------------------------------------------------------------------------
SQLALCHEMY_DATABASE_URI = database_url()
SQLALCHEMY_TRACK_MODIFICATIONS = False
# Alembic owns the schema: Flask-AppBuilder must not create tables behind its back, and
# permissions are synchronised by `flask xf sync-roles` after migrations, not at import time.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False

# --- Authentication and session ----------------------------------------------------------------
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "系统管理员"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
FAB_PASSWORD_HASH_METHOD = os.environ.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
# Passwords people choose: at least PASSWORD_MIN_LENGTH characters mixing three of lower-case,
# capitals, digits and symbols (app/security/auth.py sets the validator FAB calls).
FAB_PASSWORD_COMPLEXITY_ENABLED = True
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
# Wrong passwords in a row before the account locks for AUTH_LOCKOUT_MINUTES, doubled for each
# further lock before the next successful login, at most AUTH_LOCKOUT_MAX_MINUTES
# (app/security/auth.py); 0 minutes = locked until an administrator unlocks.
AUTH_LOCKOUT_THRESHOLD = int(os.environ.get("AUTH_LOCKOUT_THRESHOLD", "5"))
AUTH_LOCKOUT_MINUTES = int(os.environ.get("AUTH_LOCKOUT_MINUTES", "15"))
AUTH_LOCKOUT_MAX_MINUTES = int(os.environ.get("AUTH_LOCKOUT_MAX_MINUTES", str(24 * 60)))
PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
SESSION_REFRESH_EACH_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "session"
# Behind HTTPS in production the cookie must not travel in clear text.
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", XF_ENV == "production")
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
REMEMBER_COOKIE_SAMESITE = "Lax"
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None

# The worker's slots in seconds per job, e.g. {"reminders": 600} (app/worker/jobs.py has the defaults).
WORKER_INTERVALS = json.loads(os.environ.get("XF_WORKER_INTERVALS", "") or "{}")

# Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))

# --- Language ------------------------------------------------------------------------------------
BABEL_DEFAULT_LOCALE = "zh"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
LANGUAGES = {
    "zh": {"flag": "cn", "name": "中文"},
    "en": {"flag": "gb", "name": "English"},
}

# --- Flask-AppBuilder ------------------------------------------------------------------------------
FAB_BASE_TEMPLATE = "xf/base.html"
FAB_INDEX_VIEW = "app.home.views.HomeView"
FAB_SECURITY_MANAGER_CLASS = "app.security.manager.AppSecurityManager"
FAB_API_SWAGGER_UI = True
FAB_ADD_SECURITY_API = False
FAB_API_MAX_PAGE_SIZE = 200
# The API (app/api/) registers its own spec endpoint and Swagger page, for admins only; no
# menu API (the pages are server-rendered).
FAB_ADD_OPENAPI_VIEWS = False
FAB_ADD_MENU_API = False
# API keys for other platforms: recognisable prefix (secret scanners, logs). A key is 256 random
# bits, so a fast salted hash protects it as well as a slow one — and it is checked on every call.
FAB_API_KEY_PREFIXES = ["xfk_"]
FAB_API_KEY_HASH_METHOD = "pbkdf2:sha256:1000"
JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=int(os.environ.get("API_TOKEN_MINUTES", "30")))
# Our own localised 403/404/500 pages replace Flask-AppBuilder's plain English ones.
FAB_API_SHOW_STACKTRACE = False

# --- Uploads and imports -------------------------------------------------------------------------
# Attachments live here (outside static, random names) and are served only through the
# permission-checked attachment views; `flask backup` includes them.
UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024
# pg_dump/pg_restore/psql of the server's major version are found under /usr/lib/postgresql;
# set PG_BIN_DIR to use others.
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")

# --- Domain defaults ------------------------------------------------------------------------------
# The case number prefix: XF2026-000123.
CASE_NUMBER_PREFIX = os.environ.get("CASE_NUMBER_PREFIX", "XF")

# --- Public portal (/portal) ----------------------------------------------------------------------
# Per client address (Flask-Limiter syntax; several limits separated by ";"). Stored where
# RATELIMIT_STORAGE_URI says: in memory by default, Redis with several app processes.
PORTAL_SUBMIT_LIMIT = os.environ.get("PORTAL_SUBMIT_LIMIT", "10 per hour;30 per day")
PORTAL_LOOKUP_LIMIT = os.environ.get("PORTAL_LOOKUP_LIMIT", "10 per 10 minutes;60 per day")
# Each attachment of an online petition (pictures and PDF, at most 3), in MB.
PORTAL_MAX_FILE_MB = int(os.environ.get("PORTAL_MAX_FILE_MB", "3"))
# Key of the query codes' hashes. Empty: SECRET_KEY. Set it to rotate SECRET_KEY without
# invalidating the codes petitioners hold.
PORTAL_CODE_KEY = os.environ.get("PORTAL_CODE_KEY", "")
# The petition bureau's everyday reception, on the public schedule page (working days).
PORTAL_OFFICE_HOURS = os.environ.get("PORTAL_OFFICE_HOURS", "8:30–12:00, 14:30–17:30")
PORTAL_OFFICE_ADDRESS = os.environ.get("PORTAL_OFFICE_ADDRESS", "")
PORTAL_OFFICE_PHONE = os.environ.get("PORTAL_OFFICE_PHONE", "")

# --- notifications (app/notifications): e-mail through SMTP, text messages through a gateway ----
# Links in e-mails and text messages start with this (e.g. https://xf.example.gov.cn).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
MAIL_FROM = os.environ.get("MAIL_FROM", "")
# "log" (default): text messages stay in the outbox, marked sent to the log (通知 › 发件箱);
# "http": POST to SMS_GATEWAY_URL with SMS_GATEWAY_TOKEN (app/notifications/channels.py: HttpSms).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "log")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
