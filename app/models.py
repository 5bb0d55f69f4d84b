"""Every model, imported in one place: what Alembic and the app see as the schema."""

from flask_appbuilder import Model

from app.api.models import ApiClient  # noqa: F401
from app.attachments.models import (  # noqa: F401
    AnswerAttachment,
    CaseAttachment,
    LedgerAttachment,
    MediationAttachment,
    MeetingAttachment,
)
from app.audit.models import AuditEntry  # noqa: F401
from app.cases.list_models import ListColumnChoice, SavedListView  # noqa: F401
from app.cases.models import Case, CaseNumberSequence, Petitioner, Subject  # noqa: F401
from app.cases.workflow_models import (  # noqa: F401
    Assignment,
    CaseEvent,
    CaseReview,
    Extension,
    FollowUp,
    Instruction,
    JointReview,
    JointReviewUnit,
    Pause,
    ProgressReport,
    Recusal,
)
from app.core.imports import ImportedRow, ImportJob  # noqa: F401
from app.core.refcache import reference_version  # noqa: F401
from app.deadlines.models import DeadlineRule, HolidayOverride, HolidayYear  # noqa: F401
from app.duty.models import DutyLogEntry, DutyShift  # noqa: F401
from app.fund.models import Fund, FundApplication, FundDisbursement  # noqa: F401
from app.knowledge.models import PolicyAnswer, PolicyDocument, ReplyTemplate  # noqa: F401
from app.leaders.models import (  # noqa: F401
    DutyItem,
    Holding,
    HoldingDuty,
    HoldingNote,
    Leader,
    Reception,
    ReceptionCase,
    ReceptionRota,
    ReceptionSlot,
    ScoreRule,
)
from app.ledgers.models import (  # noqa: F401
    CloseOutRequest,
    LedgerEntry,
    LedgerParty,
    LevelChange,
    ProgressNote,
    RiskAssessment,
    RiskPeriod,
    SweepReport,
    SweepRule,
)
from app.mediation.models import MediationCommittee, MediationRecord, Mediator  # noqa: F401
from app.notifications.models import (  # noqa: F401
    MessageTemplate,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from app.org.models import OrgUnit  # noqa: F401
from app.portal.models import PublishedLetter, QueryCode  # noqa: F401
from app.practices.models import (  # noqa: F401
    CaseAgent,
    ConsultationMeeting,
    ContingencyPlan,
    ExpertOpinion,
    SweepMiss,
)
from app.reports.rollup import case_figure_month, case_status_count  # noqa: F401
from app.security.models import AppUser, RoleGrant, RoleProfile  # noqa: F401
from app.supervision.models import (  # noqa: F401
    AccountabilityCase,
    AccountabilityOrder,
    AccountabilityRecord,
    JointMeeting,
    MeetingCase,
    MeetingTask,
    MeetingUnit,
    OrderAnswer,
    OrderEvent,
    OrderTarget,
    SupervisionOrder,
)
from app.worker.models import JobLease, JobRun, ReminderSent  # noqa: F401

metadata = Model.metadata
