"""The notification pages: every user's own list and preferences (no permission beyond being
signed in: a user reads only their own), and for the administrator the outbox and the message
templates."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.cases.references import HIDDEN_CASE
from app.core import clock
from app.core.privacy import mask_phone, shown_free_text
from app.extensions import db
from app.notifications.models import (
    Channel,
    MessageTemplate,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from app.notifications.service import mark_read, may_open, openable, visible_notifications
from app.notifications.templates import DEFAULTS, LABELS, PLACEHOLDER_LABELS
from app.portal.codes import mask_codes

PAGE_SIZE = 50
MAX_BODY = 500


def _user():
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def _safe_url(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else url_for("NotificationView.index")


def pager_window(page: int, pages: int, around: int = 3) -> list[int | None]:
    """The page numbers a pager shows: the first, the last and a few around the current one,
    None where pages are left out (a user with thousands of notifications gets ~10 links)."""
    shown = sorted({0, pages - 1, *range(max(0, page - around), min(pages, page + around + 1))})
    out: list[int | None] = []
    for number in shown:
        if out and out[-1] is not None and number > out[-1] + 1:
            out.append(None)
        out.append(number)
    return out


def unread_for_navbar() -> int:
    """The bell's number for the signed-in user (0 when the database cannot answer: an error
    page must still render)."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.notifications.service import unread_count

    user = _user()
    if user is None or getattr(user, "id", None) is None:
        return 0
    try:
        return unread_count(db.session, user.id)
    except SQLAlchemyError:
        return 0


class NotificationView(BaseView):
    route_base = "/notifications"
    default_view = "index"

    @expose("/")
    def index(self):
        user = _user()
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        state = request.args.get("state", "")
        kind = request.args.get("kind", "")
        if kind not in NotificationKind.codes():
            kind = ""
        page = max(0, request.args.get("page", 0, type=int) or 0)
        unread = {"unread": True, "read": False}.get(state)
        rows, total = visible_notifications(db.session, user, unread=unread, kind=kind or None,
                                            page=page, size=PAGE_SIZE)
        # What the page shows, read before the commit (which would expire every row and reload
        # each one on the template's first look at it).
        rows = [SimpleNamespace(id=r.id, created_at=r.created_at, kind=r.kind, title=r.title, read_at=r.read_at)
                for r in rows]
        db.session.commit()  # notifications no longer visible were deleted
        return self.render_template(
            "xf/notifications/list.html", rows=rows, total=total, state=state, kind=kind, page=page,
            pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE), window=pager_window(page, max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)), kinds=NotificationKind.choices(),
            kind_label=NotificationKind.label_of, title=gettext("Notifications"),
        )

    @expose("/count")
    def count(self):
        """The bell's number as JSON: the navbar refreshes it when the user comes back to the tab."""
        user = _user()
        if user is None:
            return jsonify(unread=0), 401
        response = jsonify(unread=unread_for_navbar())
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/open/<int:pk>", methods=["POST", "GET"])
    def open(self, pk: int):
        user = _user()
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        row = db.session.get(Notification, pk)
        if row is None or row.user_id != user.id or not may_open(db.session, user, row.record_type, row.record_id):
            abort(404)
        if row.read_at is None:
            row.read_at = clock.now()
            db.session.commit()
        return redirect(_safe_url(row.url))

    @expose("/read-all", methods=["POST"])
    def read_all(self):
        user = _user()
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        count = mark_read(db.session, user.id)
        db.session.commit()
        flash(gettext("%(n)d notifications marked read.", n=count), "info")
        return redirect(url_for("NotificationView.index"))

    @expose("/preferences", methods=["GET", "POST"])
    def preferences(self):
        user = _user()
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        rows = {p.kind: p for p in db.session.execute(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)).scalars()}
        errors: dict[str, str] = {}
        if request.method == "POST":
            mobile = (request.form.get("mobile") or "").strip()
            wants_sms = any(request.form.get(f"sms_{k}") for k in NotificationKind.codes())
            wants_email = any(request.form.get(f"email_{k}") for k in NotificationKind.codes())
            if mobile and not (mobile.isdigit() and len(mobile) == 11 and mobile.startswith("1")):
                errors["mobile"] = gettext("Enter an 11-digit mobile number.")
            elif wants_sms and not mobile:
                errors["mobile"] = gettext("Enter a mobile number to receive text messages.")
            if wants_email and not user.email:
                errors["email"] = gettext("Your account has no e-mail address.")
            if not errors:
                user.mobile = mobile or None
                for kind in NotificationKind.codes():
                    pref = rows.get(kind) or NotificationPreference(user_id=user.id, kind=kind)
                    pref.email = bool(request.form.get(f"email_{kind}"))
                    pref.sms = bool(request.form.get(f"sms_{kind}"))
                    db.session.add(pref)
                db.session.commit()
                flash(gettext("Your notification settings were saved."), "info")
                return redirect(url_for("NotificationView.preferences"))
        return self.render_template(
            "xf/notifications/preferences.html", kinds=NotificationKind.choices(), prefs=rows,
            errors=errors, mobile=request.form.get("mobile", user.mobile or ""),
            posted=request.form if request.method == "POST" else None,
            title=gettext("Notification settings"),
        ), (422 if errors else 200)


def shown_messages(user, found) -> list[SimpleNamespace]:
    """Outbox rows as the administrator may read them. A message about a record they may not
    open (a 检举控告 against their own 信访局, say; `openable`, the notifications' own rule) reads
    （保密）: no number, code, text or digit of the recipient; one whose notification is gone
    cannot be checked and reads the same. A 查询码 is never shown in clear, to anyone."""
    refs = []
    for message, record_type, record_id in found:
        if message.case_id is not None:
            refs.append(("Case", message.case_id))
        elif message.notification_id is not None or message.template == "notification":
            refs.append((record_type, record_id) if message.notification_id is not None else ("?", 0))
        else:
            refs.append((None, None))  # written by hand (no record): nobody's secret
    allowed = openable(db.session, user, [r for r in refs if r != ("?", 0)])
    rows = []
    for (message, _, _), ref in zip(found, refs, strict=True):
        row = SimpleNamespace(id=message.id, created_at=message.created_at, channel=message.channel,
                              backend=message.backend, status=message.status, last_error=message.last_error,
                              attempts=message.attempts, next_attempt_at=message.next_attempt_at,
                              hidden=ref not in allowed)
        if row.hidden:
            row.recipient, row.subject = gettext("(confidential)"), None
            row.body = str(HIDDEN_CASE) if ref[0] == "Case" else gettext("(confidential)")
        else:
            row.recipient = mask_phone(message.recipient) if message.channel == Channel.SMS.value else message.recipient
            row.subject = shown_free_text(mask_codes(message.subject)) if message.subject else None
            row.body = shown_free_text(mask_codes(message.body))
        rows.append(row)
    return rows


class OutboxView(BaseView):
    """系统管理员 only: the outbox (with the SMS log backend, where text messages are read) and
    the wording of every message."""

    route_base = "/notifications/admin"
    default_view = "outbox"
    permission_group = "notify_admin"
    base_permissions = ["can_outbox", "can_templates", "menu_access"]

    @expose("/outbox")
    @has_access
    def outbox(self):
        from app.worker.health import RECENT, is_running, last_runs

        status = request.args.get("status", "")
        channel = request.args.get("channel", "")
        page = max(0, request.args.get("page", 0, type=int) or 0)
        query = select(OutboxMessage)
        if status in OutboxStatus.codes():
            query = query.where(OutboxMessage.status == status)
        if channel in Channel.codes():
            query = query.where(OutboxMessage.channel == channel)
        total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        found = db.session.execute(
            query.add_columns(Notification.record_type, Notification.record_id)
            .outerjoin(Notification, Notification.id == OutboxMessage.notification_id)
            .order_by(OutboxMessage.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
        rows = shown_messages(g.user, found)
        return self.render_template(
            "xf/notifications/outbox.html", rows=rows, total=total, status=status, channel=channel,
            page=page, pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            statuses=OutboxStatus.choices(), channels=Channel.choices(),
            status_label=OutboxStatus.label_of, channel_label=Channel.label_of,
            jobs=last_runs(db.session), worker_running=is_running(db.session),
            recent_minutes=int(RECENT.total_seconds() // 60),
            title=gettext("Outbox"),
        )

    @expose("/outbox/<int:pk>/resend", methods=["POST"])
    @has_access
    @permission_name("outbox")
    def resend(self, pk: int):
        """重新发送: a 失败 message is due again at once, with a new round of retries; audited."""
        from app.notifications.service import resend

        message = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.id == pk).with_for_update()
        ).scalar_one_or_none()
        if message is None:
            abort(404)
        if message.status != OutboxStatus.FAILED.value:
            db.session.rollback()
            flash(gettext("Only a message whose sending failed can be sent again."), "warning")
            return redirect(url_for("OutboxView.outbox"))
        resend(message)  # the audit log records the change (status, attempts) with the administrator
        db.session.commit()
        flash(gettext("The message will be sent again within a minute."), "info")
        return redirect(url_for("OutboxView.outbox"))

    @expose("/templates", methods=["GET", "POST"])
    @has_access
    def templates(self):
        stored = {t.code: t for t in db.session.execute(select(MessageTemplate)).scalars()}
        errors: dict[str, str] = {}
        if request.method == "POST":
            code = request.form.get("code", "")
            if code not in DEFAULTS:
                abort(400)
            body = (request.form.get("body") or "").strip()
            subject = (request.form.get("subject") or "").strip() or None
            allowed = set(DEFAULTS[code][2])
            import string

            try:
                used = {f for _, f, _, _ in string.Formatter().parse(body + (subject or "")) if f}
            except ValueError:
                used = None
            if not body:
                errors[code] = gettext("The message text is required.")
            elif len(body) > MAX_BODY:
                errors[code] = gettext("At most %(max)d characters (now %(n)d)", max=MAX_BODY, n=len(body))
            elif used is None:
                errors[code] = gettext("Unbalanced braces: write placeholders as {name}.")
            elif used - allowed:
                errors[code] = gettext("Unknown placeholder: %(names)s", names="、".join(sorted(used - allowed)))
            if not errors:
                row = stored.get(code) or MessageTemplate(code=code)
                row.body, row.subject = body, subject
                db.session.add(row)
                db.session.commit()
                flash(gettext("The message template was saved."), "info")
                return redirect(url_for("OutboxView.templates"))
        entries = []
        for code, (subject, body, names) in DEFAULTS.items():
            row = stored.get(code)
            entries.append({
                "code": code, "label": LABELS.get(code, code),
                "subject": request.form.get("subject") if errors.get(code) else (row.subject if row and row.subject else (str(subject) if subject else "")),
                "body": request.form.get("body") if errors.get(code) else (row.body if row else str(body)),
                "has_subject": subject is not None,
                "names": names, "error": errors.get(code, ""), "edited": row is not None,
            })
        return self.render_template("xf/notifications/templates.html", entries=entries,
                                    placeholder_labels=PLACEHOLDER_LABELS,
                                    title=gettext("Message templates")), (422 if errors else 200)


def register_views(appbuilder) -> None:
    from app.core.menu import add_menu_view

    appbuilder.add_view_no_menu(NotificationView())
    add_menu_view(appbuilder, OutboxView, "Outbox", _l("Outbox"), "admin", "fa-paper-plane")
