"""The case page offers steps in the order the work happens (DOMAIN.md: 登记 → 受理 → 拟办 → 批示
→ 交办 → 签收/办理 → 审核 → 答复 → 回访 → 办结, then 复查/复核, then the registration-level
actions): the workflow package must register its step modules in that order, whatever an import
sorter would prefer."""

from __future__ import annotations

from app.cases import workflow

STAGES = [
    ["accept", "refuse", "propose", "instruct", "delegate_signing", "assign"],
    ["receive", "send_back", "report_progress", "joint_review", "request_extension", "decide_extension",
     "pause", "resume", "submit_findings", "name_handler", "approve", "return_for_redo"],
    ["sign_reply", "follow_up", "close", "settle"],
    ["request_recheck", "request_reexam", "decide_review"],
    ["recuse", "link_repeat", "merge", "void"],
    # 当场办结: the short road of a simple matter, beside the long one.
    ["answer_at_window", "approve_at_window"],
]


def test_steps_are_offered_stage_by_stage():
    order = list(workflow.STEPS)
    assert sorted(order) == sorted(code for stage in STAGES for code in stage)
    assert order == [code for stage in STAGES for code in stage]
