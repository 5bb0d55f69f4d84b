"""Attachments of a record: the list with an upload form, the download, the delete — one set of
pages for every kind of record that keeps files (cases, ledger entries, mediation records, 督办
answers, joint meetings).

`AttachmentView` does the work; each owner kind is a small subclass naming its attachment model,
the parent record's model and foreign key, its permission group (the parent area's grants), which
permission uploads, and how the parent is titled and linked. Custom pages (not a generated
ModelView: an attachment is uploaded, not typed in), so every look-up goes through the scope by
hand: the parent with `get_scoped(parent, …)`, an attachment with `get_scoped(attachment, …)` —
which scopes through its parent (`ScopeSpec(parent=…)`, 检举控告 exclusion included). Anything
outside the user's scope is a 404. Reading the parent lets one list and download its files; the
kind's upload permission uploads; only a role with can_delete on the group deletes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FileField, StringField
from wtforms.validators import Length, Optional

from app.attachments.models import (
    AnswerAttachment,
    CaseAttachment,
    LedgerAttachment,
    MediationAttachment,
    MeetingAttachment,
)
from app.attachments.storage import (
    ALLOWED_EXTENSIONS,
    describe_size,
    max_bytes,
    path_of,
    remove_stored,
    store_upload,
)
from app.cases.models import Case
from app.core.errors import DomainError
from app.core.scoping import get_scoped, scope_clause
from app.extensions import db
from app.ledgers.models import LedgerEntry
from app.mediation.models import MediationRecord
from app.security.access import may
from app.supervision.models import JointMeeting, OrderAnswer


class UploadForm(FlaskForm):
    file = FileField(_l("File"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])


def attachments_of(model: Any, parent_key: str, parent_id: int) -> list[Any]:
    """The files of one parent record the user may see, newest first."""
    column = getattr(model, parent_key)
    return list(
        db.session.execute(
            select(model)
            .where(scope_clause(model), column == parent_id)
            .order_by(model.created_at.desc(), model.id.desc())
        ).scalars()
    )


def store_attachment(model: Any, parent_key: str, parent_id: int, upload: Any, description: str | None) -> Any:
    """Keep an uploaded file (storage.py checks size and type) and its row; DomainError (field
    "file") when refused. The file is removed again if the row cannot be saved."""
    if upload is None or not upload.filename:
        raise DomainError(gettext("Choose a file to upload."), field="file")
    description = (description or "").strip()
    if len(description) > 200:
        raise DomainError(gettext("At most %(max)d characters (now %(n)d)", max=200, n=len(description)),
                          field="description")
    stored = store_upload(upload.stream, upload.filename)
    attachment = model(
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        description=description or None,
    )
    setattr(attachment, parent_key, parent_id)
    db.session.add(attachment)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_stored(stored.stored_name)
        raise
    return attachment


def send_attachment(attachment: Any):
    """The stored file as a download (never shown inline), or a 404 if it is gone."""
    try:
        path = path_of(attachment.stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


class AttachmentView(BaseView):
    """The attachment pages of one kind of record (subclasses below name the kind)."""

    default_view = "owner"
    template = "xf/attachments/list.html"
    model: ClassVar[Any]
    parent_model: ClassVar[Any]
    parent_key: ClassVar[str]
    # The permission (without can_) on this view that uploads: the parent area's own grant.
    upload_permission: ClassVar[str] = "add"
    back_label: ClassVar[Any] = _l("Back")

    def __init__(self) -> None:
        self.method_permission_name = {
            "owner": "list", "upload": self.upload_permission, "download": "show", "delete": "delete",
        }
        self.base_permissions = sorted({f"can_{name}" for name in self.method_permission_name.values()})
        super().__init__()

    # --- what a kind says about its parent --------------------------------------------------------

    def title_of(self, parent: Any) -> str:
        raise NotImplementedError

    def subtitle_of(self, parent: Any) -> str:
        return getattr(parent, "title", "") or ""

    def back_url(self, parent: Any) -> str:
        raise NotImplementedError

    # --- the pages --------------------------------------------------------------------------------

    def _parent(self, parent_id: Any) -> Any:
        parent = get_scoped(self.parent_model, parent_id)
        if parent is None:
            abort(404)
        return parent

    def _render(self, parent: Any, form: UploadForm, status: int = 200):
        page = self.render_template(
            self.template,
            title=self.title_of(parent),
            subtitle=self.subtitle_of(parent),
            endpoint=self.endpoint,
            owner_id=parent.id,
            attachments=attachments_of(self.model, self.parent_key, parent.id),
            form=form,
            accept=",".join(f".{ext}" for ext in sorted(ALLOWED_EXTENSIONS)),
            size_limit=describe_size(max_bytes()),
            can_upload=may(f"can_{self.upload_permission}", self),
            can_delete=may("can_delete", self),
            back_url=self.back_url(parent),
            back_label=self.back_label,
        )
        return page, status

    @expose("/<int:owner_id>")
    @has_access
    def owner(self, owner_id: int):
        return self._render(self._parent(owner_id), UploadForm())

    @expose("/<int:owner_id>/upload", methods=["POST"])
    @has_access
    def upload(self, owner_id: int):
        return self._upload(owner_id)

    def _upload(self, owner_id: int):
        parent = self._parent(owner_id)
        form = UploadForm()
        if not form.validate_on_submit():
            return self._render(parent, form, 400)
        try:
            attachment = store_attachment(self.model, self.parent_key, parent.id, request.files.get("file"),
                                          form.description.data)
        except DomainError as exc:
            form.file.errors = [exc.message]
            return self._render(parent, form, 400)
        flash(gettext("Attached %(name)s.", name=attachment.original_name), "success")
        return redirect(url_for(f"{self.endpoint}.owner", owner_id=parent.id))

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk: int):
        attachment = get_scoped(self.model, pk)
        if attachment is None:
            abort(404)
        return send_attachment(attachment)

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk: int):
        attachment = get_scoped(self.model, pk)
        if attachment is None:
            abort(404)
        parent_id = getattr(attachment, self.parent_key)
        stored_name, name = attachment.stored_name, attachment.original_name
        db.session.delete(attachment)
        db.session.commit()
        # The audit log keeps who deleted which file (name, size, checksum); the bytes go.
        remove_stored(stored_name)
        flash(gettext("Deleted %(name)s.", name=name), "success")
        return redirect(url_for(f"{self.endpoint}.owner", owner_id=parent_id))


class CaseAttachmentView(AttachmentView):
    """A case's letters, photos, signed replies. Registering (can_add) uploads."""

    permission_group = "cases"
    route_base = "/attachments"
    model = CaseAttachment
    parent_model = Case
    parent_key = "case_id"
    back_label = _l("Back to the case")

    @expose("/case/<int:owner_id>")
    @has_access
    def owner(self, owner_id: int):
        return self._render(self._parent(owner_id), UploadForm())

    @expose("/case/<int:owner_id>/upload", methods=["POST"])
    @has_access
    def upload(self, owner_id: int):
        return self._upload(owner_id)

    def title_of(self, parent: Case) -> str:
        return gettext("Attachments of %(number)s", number=parent.number)

    def back_url(self, parent: Case) -> str:
        return url_for("CaseView.show", pk=parent.id)


class LedgerAttachmentView(AttachmentView):
    """A ledger entry's files: whoever adds work notes to it attaches (清单 work is noted)."""

    permission_group = "ledgers"
    route_base = "/attachments/ledger"
    model = LedgerAttachment
    parent_model = LedgerEntry
    parent_key = "entry_id"
    upload_permission = "add_note"
    back_label = _l("Back to the ledger entry")

    def title_of(self, parent: LedgerEntry) -> str:
        return gettext("Attachments of %(number)s", number=parent.number)

    def back_url(self, parent: LedgerEntry) -> str:
        return url_for("LedgerEntryView.show", pk=parent.id)


class MediationAttachmentView(AttachmentView):
    """A mediation record's files (the signed agreement): whoever may edit the record attaches."""

    permission_group = "mediation"
    route_base = "/attachments/mediation"
    model = MediationAttachment
    parent_model = MediationRecord
    parent_key = "record_id"
    upload_permission = "edit"
    back_label = _l("Back to the mediation record")

    def title_of(self, parent: MediationRecord) -> str:
        return gettext("Attachments of the mediation record")

    def back_url(self, parent: MediationRecord) -> str:
        return url_for("MediationRecordView.show", pk=parent.id)


class AnswerAttachmentView(AttachmentView):
    """The files of a written answer to a 督办单: whoever answers orders attaches."""

    permission_group = "supervision"
    route_base = "/attachments/answer"
    model = AnswerAttachment
    parent_model = OrderAnswer
    parent_key = "answer_id"
    upload_permission = "answer"
    back_label = _l("Back to the supervision order")

    def title_of(self, parent: OrderAnswer) -> str:
        return gettext("Attachments of the answer to %(number)s", number=parent.order.number)

    def subtitle_of(self, parent: OrderAnswer) -> str:
        unit = parent.unit.name if parent.unit is not None else ""
        return f"{unit} · {(parent.text or '')[:80]}"

    def back_url(self, parent: OrderAnswer) -> str:
        return url_for("SupervisionOrderView.show", pk=parent.order_id)


class MeetingAttachmentView(AttachmentView):
    """A joint meeting's files (the minutes): whoever records meetings attaches."""

    permission_group = "meetings"
    route_base = "/attachments/meeting"
    model = MeetingAttachment
    parent_model = JointMeeting
    parent_key = "meeting_id"
    upload_permission = "edit"
    back_label = _l("Back to the meeting")

    def title_of(self, parent: JointMeeting) -> str:
        return gettext("Attachments of the meeting")

    def back_url(self, parent: JointMeeting) -> str:
        return url_for("JointMeetingView.show", pk=parent.id)


ATTACHMENT_VIEWS = (
    CaseAttachmentView, LedgerAttachmentView, MediationAttachmentView, AnswerAttachmentView, MeetingAttachmentView,
)


def register_views(appbuilder) -> None:
    for view in ATTACHMENT_VIEWS:
        appbuilder.add_view_no_menu(view())
