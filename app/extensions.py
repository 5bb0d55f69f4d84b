"""The extension objects shared by every app instance (bound in `create_app`)."""

from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA()
migrate = Migrate()
csrf = CSRFProtect()
