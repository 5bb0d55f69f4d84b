"""The demo county's petitioners do not all rate 满意: its ratings are a mix (满意, 基本满意 and
不满意), and a case whose last follow-up was 不满意 went back to its unit through the workflow's
own step — its history says so and it is not closed (DOMAIN.md: 回访 … or back to handling when
not satisfied)."""

from __future__ import annotations

from sqlalchemy import func, select


def test_demo_ratings_are_a_mix_and_unsatisfied_cases_are_back_with_their_unit(module_app):
    from app.cases.models import Case, CaseStatus
    from app.cases.workflow_models import CaseEvent, FollowUp
    from app.extensions import db

    with module_app.app_context():
        counts = dict(db.session.execute(
            select(Case.satisfaction, func.count()).where(Case.satisfaction.is_not(None)).group_by(Case.satisfaction)
        ).all())
        assert counts.get("satisfied", 0) > counts.get("basically", 0) > 0
        assert counts.get("unsatisfied", 0) > 0
        unhappy = db.session.execute(select(Case).where(Case.satisfaction == "unsatisfied")).scalars().all()
        for case in unhappy:
            assert case.status == CaseStatus.HANDLING.value, case.number
            assert case.redo_count >= 1
            last_follow_up = db.session.execute(
                select(FollowUp.satisfaction).where(FollowUp.case_id == case.id)
                .order_by(FollowUp.followed_up_at.desc(), FollowUp.id.desc()).limit(1)
            ).scalar_one()
            assert last_follow_up == "unsatisfied"
            last_event = db.session.execute(
                select(CaseEvent.step, CaseEvent.to_status).where(CaseEvent.case_id == case.id)
                .order_by(CaseEvent.id.desc()).limit(1)
            ).one()
            assert tuple(last_event) == ("follow_up", CaseStatus.HANDLING.value)
