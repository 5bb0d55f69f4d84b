"""`flask xf doctor`: does the working-day calendar know next year's holidays?"""

from __future__ import annotations

from flask_babel import gettext

from app.core.doctor import Finding


def check_next_years_holidays() -> Finding:
    from app.core.clock import today
    from app.deadlines.policy import load_policy
    from app.extensions import db

    name = gettext("Next year's holidays")
    year = today().year + 1
    if load_policy(db.session).calendar.unknown_years(range(year, year + 1)):
        return Finding(False, name, gettext(
            "The holidays and adjusted working days of %(year)d are not known yet: working-day "
            "deadlines would count every weekday. Once the State Council publishes them, update "
            "the chinese-calendar package or enter them under holiday overrides.", year=year))
    return Finding(True, name, gettext(
        "The holidays of %(year)d are known: working-day deadlines count correctly.", year=year))
