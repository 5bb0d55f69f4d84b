"""打印卷宗 and batch notices: print pages for cases the user may open (CaseView's "show"
permission and the case's scope: a case outside it is a 404, as on its page)."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose

from app.casefile.printing import (
    NOTICE_KINDS,
    NOTICE_LABELS,
    case_file_context,
    notice_batch,
    parse_ids,
)
from app.cases.models import Case
from app.core.scoping import get_scoped
from app.security.access import may


class CaseFileView(BaseView):
    route_base = "/casefile"

    def _refusal(self):
        """The print pages are part of reading cases: whoever opens a case page prints its file
        (CaseView's "show"), nobody else."""
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return redirect(self.appbuilder.get_url_for_login)
        if not may("can_show", "CaseView"):
            abort(403)
        return None

    @expose("/case/<int:pk>")
    def case(self, pk: int):
        refused = self._refusal()
        if refused is not None:
            return refused
        case = get_scoped(Case, pk)
        if case is None:
            abort(404)
        return render_template("xf/casefile/case_file.html", **case_file_context(case, g.user))

    @expose("/notices")
    def notices(self):
        refused = self._refusal()
        if refused is not None:
            return refused
        kind = request.args.get("kind", "acceptance")
        if kind not in NOTICE_KINDS:
            abort(404)
        ids = parse_ids(request.args.get("ids"))
        sheets, without = notice_batch(ids, kind)
        return render_template(
            "xf/casefile/notices.html", sheets=sheets, without=without, kind=kind, ids=",".join(map(str, ids)),
            kinds=[(k, NOTICE_LABELS[k]) for k in NOTICE_KINDS], title=NOTICE_LABELS[kind],
        )


def print_notices_of(items: list[Case]):
    """CaseView's bulk action: the selected cases' notices, ready to print."""
    if not may("can_show", "CaseView"):
        abort(403)
    return redirect(url_for("CaseFileView.notices", ids=",".join(str(c.id) for c in items)))


def register_views(appbuilder) -> None:
    appbuilder.add_view_no_menu(CaseFileView())
