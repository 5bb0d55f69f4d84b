"""Petitioning online: the rules that turn a public submission into a registered case.

The case is registered exactly like a clerk's registration — `workflow.register` gives it the
acceptance deadline (条例 Art. 22) and the "registered" event, the numbering listener its number —
with channel 网上 and the mailbox the petitioner chose. The actor is `workflow.PublicActor`:
there is no user behind a public submission, and the history says "信访人（网上）".

Where the case goes (its 属地 and whose work queue it lands in):

- 乡镇信箱 / 村信箱: the case is placed in that township (and village), so the township's
  clerks find it in their queue like a visit at their counter.
- 县长信箱 / 部门信箱: the case is still placed where the matter happens — the township (and
  village) the petitioner names — because the place is the 属地 every figure, ledger and
  scope is counted by. What makes it county-level is the mailbox: the workflow leaves these
  letters to the county petition office's clerks (`Case.county_intake`), while the township
  sees them in its lists. A department is not the place: it becomes the responsible unit only
  when the county assigns the case (Art. 30 — a report about a department must never reach it
  just because it was sent to that department's mailbox).

Files are checked by content (pictures and PDF only), kept with random names, and attached to
the case; the query code is created here and returned once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.attachments.models import CaseAttachment
from app.attachments.storage import JPEG, PDF, PNG, StoredFile, remove_stored, store_upload
from app.cases import workflow
from app.cases.models import Case, CaseStatus, Category, Channel, Mailbox, Petitioner, Subject
from app.cases.rules import hold_for_screening
from app.core.clock import now as wall_clock
from app.core.errors import DomainError, raise_problems
from app.core.validators import (
    id_number_error,
    normalize_id_number,
    normalize_phone,
    phone_error,
)
from app.extensions import db
from app.org.models import OrgKind, OrgUnit
from app.portal import codes
from app.portal.issuing import announce_registration

# Size limits of the public form (characters). The title fits a list line on a phone.
TITLE_MAX = 60
CONTENT_MIN = 10
CONTENT_MAX = 5000
NAME_MAX = 30
COMMENT_MAX = 500
MAX_FILES = 3
PUBLIC_FILE_KINDS = (JPEG, PNG, PDF)
# County units that have a public mailbox (部门信箱): departments, the petition bureau, the 纪委.
DEPARTMENT_KINDS = (OrgKind.DEPARTMENT.value, OrgKind.BUREAU.value, OrgKind.DISCIPLINE.value)

PUBLIC_LABEL = _l("Petitioner (online)")


def public_actor(case_id: int | None = None) -> workflow.PublicActor:
    return workflow.PublicActor(label=str(PUBLIC_LABEL), case_id=case_id)


@dataclass
class PetitionInput:
    """What the public form sends, already trimmed (ids as ints, empty as None)."""

    mailbox: str
    township_id: int | None
    category: str
    title: str
    content: str
    name: str
    phone: str
    village_id: int | None = None
    department_id: int | None = None
    subject_id: int | None = None
    id_number: str | None = None
    # 检举控告 only: the unit reported on (an org unit id), or REPORTED_UNKNOWN ("不清楚").
    reported_unit: str | None = None


# The portal's answer "不清楚" to "which unit do you report on?".
REPORTED_UNKNOWN = "unknown"


@dataclass
class Upload:
    stream: IO[bytes]
    filename: str


@dataclass
class Receipt:
    """What the petitioner is shown once: the case number and the query code."""

    case: Case
    code: str
    stored: list[StoredFile] = field(default_factory=list)

    @property
    def formatted_code(self) -> str:
        return codes.format_code(self.code)

    def discard_files(self) -> None:
        """The transaction failed: remove the files already written."""
        for stored in self.stored:
            remove_stored(stored.stored_name)


# --- the choices the form offers ------------------------------------------------------------


def _active(kind_filter) -> list[OrgUnit]:
    return list(
        db.session.execute(
            select(OrgUnit).where(OrgUnit.active.is_(True), kind_filter).order_by(OrgUnit.sort_order, OrgUnit.id)
        ).scalars()
    )


def county_unit() -> OrgUnit | None:
    return db.session.execute(
        select(OrgUnit).where(OrgUnit.kind == OrgKind.COUNTY.value).order_by(OrgUnit.id).limit(1)
    ).scalar_one_or_none()


def departments() -> list[OrgUnit]:
    return _active(OrgUnit.kind.in_(DEPARTMENT_KINDS) & OrgUnit.township_id.is_(None))


def townships() -> list[OrgUnit]:
    return _active(OrgUnit.kind == OrgKind.TOWNSHIP.value)


def villages() -> list[OrgUnit]:
    return _active(OrgUnit.kind == OrgKind.VILLAGE.value)


def reportable_units() -> list[OrgUnit]:
    """Units a 检举控告 may name (the petitioner chooses, or answers 不清楚): the county's
    departments and offices, and the townships."""
    return _active(((OrgUnit.kind != OrgKind.COUNTY.value) & OrgUnit.township_id.is_(None))
                   | (OrgUnit.kind == OrgKind.TOWNSHIP.value))


def subjects() -> list[Subject]:
    return list(
        db.session.execute(
            select(Subject).where(Subject.active.is_(True)).order_by(Subject.sort_order, Subject.id)
        ).scalars()
    )


def mailbox_name(mailbox: str, unit: OrgUnit | None) -> str:
    """How the mailbox reads to the public: 县长信箱, 县住建局信箱, 城关镇信箱."""
    if mailbox == Mailbox.COUNTY_HEAD.value or unit is None:
        return str(Mailbox.label_of(mailbox))
    return gettext("%(unit)s mailbox", unit=unit.name)


# --- the rules ---------------------------------------------------------------------------------


def _unit(unit_id: int | None, kinds: tuple[str, ...]) -> OrgUnit | None:
    if unit_id is None:
        return None
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not unit.active or unit.kind not in kinds:
        return None
    return unit


def check(data: PetitionInput) -> tuple[OrgUnit, OrgUnit, OrgUnit | None]:
    """Every rule of the form at once: (mailbox unit, township, village) or DomainErrors."""
    problems: list[DomainError] = []

    def refuse(message: str, name: str) -> None:
        problems.append(DomainError(message, field=name))

    if data.mailbox not in Mailbox.codes():
        refuse(gettext("Choose the mailbox you are writing to."), "mailbox")
    township = _unit(data.township_id, (OrgKind.TOWNSHIP.value,))
    if township is None:
        refuse(gettext("Choose the township where the matter happens."), "township")
    village = _unit(data.village_id, (OrgKind.VILLAGE.value,))
    if data.village_id is not None and (village is None or (township and village.township_id != township.id)):
        refuse(gettext("This village does not belong to the chosen township"), "village")
        village = None
    mailbox_unit: OrgUnit | None = None
    if data.mailbox == Mailbox.COUNTY_HEAD.value:
        mailbox_unit = county_unit()
    elif data.mailbox == Mailbox.DEPARTMENT.value:
        mailbox_unit = _unit(data.department_id, DEPARTMENT_KINDS)
        if mailbox_unit is None or mailbox_unit.township_id is not None:
            refuse(gettext("Choose the department you are writing to."), "department")
            mailbox_unit = None
    elif data.mailbox == Mailbox.TOWNSHIP.value:
        mailbox_unit = township
    elif data.mailbox == Mailbox.VILLAGE.value:
        mailbox_unit = village
        if village is None and data.village_id is None:
            refuse(gettext("Choose the village you are writing to."), "village")
    if data.category not in Category.codes():
        refuse(gettext("Choose what kind of matter this is."), "category")
    elif data.category == Category.ACCUSATION.value and reported_unit_of(data) is False:
        refuse(gettext("Choose the unit you report on, or “Not sure”."), "reported_unit")
    if data.subject_id is not None:
        subject = db.session.get(Subject, data.subject_id)
        if subject is None or not subject.active:
            refuse(gettext("Choose a subject from the list."), "subject")
    _check_text(refuse, data)
    raise_problems(problems)
    assert township is not None and mailbox_unit is not None  # noqa: S101 — checked above
    return mailbox_unit, township, village


def reported_unit_of(data: PetitionInput) -> OrgUnit | None | bool:
    """The unit a 检举控告 names: an org unit, None for "不清楚", False when not answered."""
    if data.reported_unit == REPORTED_UNKNOWN:
        return None
    unit_id = int(data.reported_unit) if (data.reported_unit or "").isdigit() else None
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None or unit not in reportable_units():
        return False
    return unit


def _check_text(refuse, data: PetitionInput) -> None:
    if not data.title:
        refuse(gettext("Please fill in “%(label)s”.", label=gettext("Title")), "title")
    elif len(data.title) > TITLE_MAX:
        refuse(gettext("At most %(max)d characters (now %(n)d)", max=TITLE_MAX, n=len(data.title)), "title")
    if len(data.content) < CONTENT_MIN:
        refuse(gettext("Describe the matter in at least %(n)d characters.", n=CONTENT_MIN), "content")
    elif len(data.content) > CONTENT_MAX:
        refuse(gettext("At most %(max)d characters (now %(n)d)", max=CONTENT_MAX, n=len(data.content)), "content")
    if not data.name:
        refuse(gettext("Please fill in “%(label)s”.", label=gettext("Your name")), "name")
    elif len(data.name) > NAME_MAX:
        refuse(gettext("At most %(max)d characters (now %(n)d)", max=NAME_MAX, n=len(data.name)), "name")
    error = phone_error(data.phone) if data.phone else gettext(
        "Please fill in “%(label)s”.", label=gettext("Phone")
    )
    if error:
        refuse(error, "phone")
    if data.id_number:
        error = id_number_error(data.id_number)
        if error:
            refuse(error, "id_number")


def file_limit() -> int:
    return int(current_app.config.get("PORTAL_MAX_FILE_MB", 3)) * 1024 * 1024


def store_files(uploads: list[Upload]) -> list[StoredFile]:
    """Check and keep up to MAX_FILES pictures/PDFs; on a refused file nothing is kept."""
    if len(uploads) > MAX_FILES:
        raise DomainError(gettext("At most %(n)d files can be attached.", n=MAX_FILES), field="attachments")
    stored: list[StoredFile] = []
    try:
        for upload in uploads:
            try:
                stored.append(
                    store_upload(upload.stream, upload.filename, kinds=PUBLIC_FILE_KINDS, limit=file_limit())
                )
            except DomainError as exc:
                raise DomainError(
                    gettext("%(name)s: %(problem)s", name=upload.filename, problem=exc.message),
                    field="attachments",
                ) from None
    except DomainError:
        for done in stored:
            remove_stored(done.stored_name)
        raise
    return stored


def submit_petition(
    data: PetitionInput,
    uploads: list[Upload] | None = None,
    *,
    now: datetime | None = None,
) -> Receipt:
    """Register the petition in the caller's transaction (the caller commits, and on failure
    calls `Receipt.discard_files`). Raises DomainError(s) naming the form fields.

    `now` is for the demo seed (a letter sent some days ago). The query code is always drawn
    here, at random: never one chosen by a caller (the demo's fixed codes opened its letters).
    """
    mailbox_unit, township, village = check(data)
    moment = now or wall_clock()
    stored = store_files(uploads or [])
    case = Case(
        channel=Channel.ONLINE.value,
        received_at=moment,
        township_id=township.id,
        township=township,
        village_id=village.id if village else None,
        category=data.category,
        subject_id=data.subject_id,
        title=data.title,
        content=data.content,
        people_count=1,
        status=CaseStatus.REGISTERED.value,
        mailbox=data.mailbox,
        mailbox_unit_id=mailbox_unit.id,
        created_at=moment,
        updated_at=moment,
    )
    if data.category == Category.ACCUSATION.value:
        # 条例 Art. 30: held for the petition office's screening, never shown to the unit named.
        claimed = reported_unit_of(data)
        hold_for_screening(case, claimed or None, county_unit())
    case.petitioners.append(
        Petitioner(
            name=data.name,
            phone=normalize_phone(data.phone),
            id_number=normalize_id_number(data.id_number) if data.id_number else None,
            sort_order=0,
        )
    )
    try:
        db.session.add(case)
        workflow.register(case, public_actor(), now=moment)
        db.session.flush()
        code = announce_registration(db.session, case, now=moment)
        for item in stored:
            db.session.add(
                CaseAttachment(
                    case_id=case.id,
                    original_name=item.original_name,
                    stored_name=item.stored_name,
                    content_type=item.content_type,
                    size=item.size,
                    sha256=item.sha256,
                    description=gettext("Sent with the online petition"),
                    created_at=moment,
                    updated_at=moment,
                )
            )
        db.session.flush()
    except Exception:
        for item in stored:
            remove_stored(item.stored_name)
        raise
    return Receipt(case=case, code=code, stored=stored)
