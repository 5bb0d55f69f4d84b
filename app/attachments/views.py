"""A case's attachments: the list with an upload form, the download, the delete.

Custom pages (not a generated ModelView: an attachment is uploaded, not typed in), so every
look-up goes through the scope by hand: the case with `get_scoped(Case, …)`, an attachment with
`get_scoped(CaseAttachment, …)` — which scopes through its case. Anything outside the user's
scope is a 404. Permissions follow the case grants (group "cases"): reading a case lets one
list and download its attachments, registering (can_add) lets one upload, and only a role
with can_delete (the administrator) deletes.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FileField, StringField
from wtforms.validators import Length, Optional

from app.attachments.models import CaseAttachment
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
from app.security.access import may


class UploadForm(FlaskForm):
    file = FileField(_l("File"))
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)])


class CaseAttachmentView(BaseView):
    permission_group = "cases"
    route_base = "/attachments"
    default_view = "case"
    base_permissions = ["can_list", "can_show", "can_add", "can_delete"]
    template = "xf/attachments/case.html"

    def _case(self, case_id: Any) -> Case:
        case = get_scoped(Case, case_id)
        if case is None:
            abort(404)
        return case

    def _render(self, case: Case, form: UploadForm, status: int = 200):
        attachments = (
            db.session.execute(
                select(CaseAttachment)
                .where(scope_clause(CaseAttachment), CaseAttachment.case_id == case.id)
                .order_by(CaseAttachment.created_at.desc(), CaseAttachment.id.desc())
            )
            .scalars()
            .all()
        )
        page = self.render_template(
            self.template,
            title=gettext("Attachments of %(number)s", number=case.number),
            case=case,
            attachments=attachments,
            form=form,
            accept=",".join(f".{ext}" for ext in sorted(ALLOWED_EXTENSIONS)),
            size_limit=describe_size(max_bytes()),
            can_upload=may("can_add", self),
            can_delete=may("can_delete", self),
        )
        return page, status

    @expose("/case/<int:case_id>")
    @has_access
    @permission_name("list")
    def case(self, case_id: int):
        return self._render(self._case(case_id), UploadForm())

    @expose("/case/<int:case_id>/upload", methods=["POST"])
    @has_access
    @permission_name("add")
    def upload(self, case_id: int):
        case = self._case(case_id)
        form = UploadForm()
        if not form.validate_on_submit():
            return self._render(case, form, 400)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [gettext("Choose a file to upload.")]
            return self._render(case, form, 400)
        try:
            stored = store_upload(upload.stream, upload.filename)
        except DomainError as exc:
            form.file.errors = [exc.message]
            return self._render(case, form, 400)
        attachment = CaseAttachment(
            case_id=case.id,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            description=(form.description.data or "").strip() or None,
        )
        db.session.add(attachment)
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            remove_stored(stored.stored_name)
            raise
        flash(gettext("Attached %(name)s.", name=stored.original_name), "success")
        return redirect(url_for(".case", case_id=case.id))

    @expose("/download/<int:pk>")
    @has_access
    @permission_name("show")
    def download(self, pk: int):
        attachment = get_scoped(CaseAttachment, pk)
        if attachment is None:
            abort(404)
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

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("delete")
    def delete(self, pk: int):
        attachment = get_scoped(CaseAttachment, pk)
        if attachment is None:
            abort(404)
        case_id, stored_name, name = attachment.case_id, attachment.stored_name, attachment.original_name
        db.session.delete(attachment)
        db.session.commit()
        # The audit log keeps who deleted which file (name, size, checksum); the bytes go.
        remove_stored(stored_name)
        flash(gettext("Deleted %(name)s.", name=name), "success")
        return redirect(url_for(".case", case_id=case_id))


def register_views(appbuilder) -> None:
    appbuilder.add_view_no_menu(CaseAttachmentView())
