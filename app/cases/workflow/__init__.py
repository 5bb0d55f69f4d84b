"""The case workflow: who may move a case from which status to which, what each step needs and sets."""

# The one place these rules live — the case page, bulk assignment, the demo seed and any API
# call `apply_step`; nothing else writes workflow fields.
#
# The process is seed 002's (来访登记 → 受理 → 拟办意见 → 领导阅批 → 交办 → 办理 → 调查处理意见 →
# 审核 → 答复 → 回访 → 结案存档) with the 信访工作条例's deadlines (DOMAIN.md "Workflow",
# "Deadlines", "Other rules"):
#
#     registered ─accept─▶ accepted ─propose─▶ proposed ─instruct─▶ instructed ─assign─▶ assigned
#         └refuse─▶ not_accepted                                        ▲                 │ receive
#                                                            returned ──┘◀─send_back──────┤
#     handling ─submit_findings─▶ in_review ─approve─▶ approved ─sign_reply─▶ replied ─close─▶ closed
#        ▲                            │return_for_redo                         │follow_up (不满意)
#        └────────────────────────────┴────────────────────────────────────────┘
#     replied/closed ─request_recheck / request_reexam─▶ reviewing ─decide_review─▶ replied | closed
#     registered … instructed, returned ─void─▶ voided   (a registration made by mistake; never deleted)
#
# Steps that keep the status (批示 again, progress, 会审, extension, pause/resume, 回避, linking a
# repeat) write an event all the same. A refused step raises `DomainError` with a Chinese message
# and changes nothing; the caller's transaction is rolled back.
#
# Who does what (DOMAIN.md "Who uses the product"): 登记员 registers, accepts or refuses, drafts
# the proposal, assigns once a leader has instructed, records the follow-up and closes; 领导
# instructs, decides extensions, reviews findings and signs the reply; 承办人 of the handling unit
# confirms receipt or sends the case back, reports progress, holds the joint review, asks for an
# extension, pauses the clock and enters findings with a draft reply; 督查员 and 管理者 read.
# A clerk acts on cases of their place, a handler on cases of their unit, a leader on either.
# The 系统管理员 takes one step: voiding a registration made by mistake (with the clerk).
#
# The package: `engine` (Step, Input, StepContext, the registry, refusals, apply_step, register)
# reads `base`, `records`, `deadlines` and `inputs`; the steps (`steps_*`, by stage) register
# themselves with the engine when imported; `queue` (待办 as SQL, who a case awaits) and
# `timeline` (the history's words) read the registry. Dependencies run one way: engine ← steps.
# `from app.cases import workflow` gives all of it: `workflow.apply_step`, `workflow.STEPS`, ….

from __future__ import annotations

from app.cases.workflow.base import (
    ADMIN,
    CLERK,
    CLOCK_STATES,
    HANDLER,
    HANDLING_STATES,
    LEADER,
    Decision,
    HandlingRule,
    PublicActor,
    S,
    actor_name,
    is_public,
)
from app.cases.workflow.deadlines import (
    DeadlineKind,
    PendingDeadline,
    case_urgency,
    pending_deadlines,
    primary_deadline,
    recompute_deadlines,
    reply_term,
    review_term,
    set_reply_term,
    set_review_term,
    unconfirmed_years,
)
from app.cases.workflow.engine import (
    STEPS,
    AlreadyApplied,
    Input,
    Step,
    StepContext,
    apply_step,
    available_steps,
    get_step,
    link_repeat,
    refusal,
    register,
    registration_columns,
    registration_rows,
    relation_error,
    step,
)
from app.cases.workflow.inputs import MAX_TEXT, coerce_inputs, step_defaults
from app.cases.workflow.leadership import (
    leader_problem,
    place_leaders,
    public_signer,
    signing_refusal,
)
from app.cases.workflow.ownership import (
    Load,
    handler_problem,
    my_cases_clause,
    set_handler,
    unit_handlers,
    workload,
)
from app.cases.workflow.queue import (
    Awaited,
    awaited,
    queue_clause,
    queue_states,
    queue_statuses,
    scope_and,
)
from app.cases.workflow.records import (
    current_assignment,
    has_recused,
    is_co_unit,
    latest_reply_at,
    open_review,
    plan_submitted,
    replying_unit,
    reviewer_name,
    reviews_of,
)
from app.cases.workflow.timeline import (
    DETAIL_CHOICES,
    DETAIL_LABELS,
    EVENT_LABELS,
    describe_details,
    hidden_case_details,
    shown_details,
    step_label,
    timeline,
)

# The steps register in this order, which is the order the case page offers them in.
# isort: off
from app.cases.workflow import steps_intake  # noqa: F401
from app.cases.workflow import steps_handling  # noqa: F401
from app.cases.workflow import steps_reply  # noqa: F401
from app.cases.workflow import steps_review  # noqa: F401
from app.cases.workflow import steps_registration  # noqa: F401
from app.cases.workflow import steps_window  # noqa: F401
from app.cases.workflow.steps_handling import assign_case
from app.cases.workflow.steps_review import review_refusal
from app.cases.workflow.steps_registration import VOIDABLE_STATES, deletion_refusal
# isort: on

__all__ = [
    "S",
    "CLERK",
    "HANDLER",
    "LEADER",
    "ADMIN",
    "Decision",
    "HandlingRule",
    "HANDLING_STATES",
    "CLOCK_STATES",
    "PublicActor",
    "is_public",
    "actor_name",
    "Input",
    "StepContext",
    "Step",
    "STEPS",
    "step",
    "relation_error",
    "refusal",
    "available_steps",
    "get_step",
    "AlreadyApplied",
    "apply_step",
    "register",
    "registration_rows",
    "registration_columns",
    "link_repeat",
    "current_assignment",
    "open_review",
    "reviews_of",
    "is_co_unit",
    "has_recused",
    "plan_submitted",
    "latest_reply_at",
    "replying_unit",
    "reviewer_name",
    "DeadlineKind",
    "PendingDeadline",
    "pending_deadlines",
    "primary_deadline",
    "unconfirmed_years",
    "case_urgency",
    "reply_term",
    "review_term",
    "set_reply_term",
    "set_review_term",
    "recompute_deadlines",
    "MAX_TEXT",
    "coerce_inputs",
    "step_defaults",
    "scope_and",
    "leader_problem",
    "place_leaders",
    "public_signer",
    "signing_refusal",
    "Load",
    "handler_problem",
    "my_cases_clause",
    "set_handler",
    "unit_handlers",
    "workload",
    "queue_clause",
    "queue_statuses",
    "queue_states",
    "Awaited",
    "awaited",
    "EVENT_LABELS",
    "timeline",
    "step_label",
    "DETAIL_CHOICES",
    "DETAIL_LABELS",
    "describe_details",
    "hidden_case_details",
    "shown_details",
    "assign_case",
    "review_refusal",
    "VOIDABLE_STATES",
    "deletion_refusal",
]
