"""Every model module, imported once so the metadata (and Alembic) sees all tables."""

from mrc.audit.models import AuditEvent
from mrc.auth.models import LoginThrottle, User
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.jobs.models import Job
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.org.models import MRC, Country, Region
from mrc.outreach.models import OutreachEvent

__all__ = [
    "MRC", "AuditEvent", "Client", "CounsellingSession", "Country", "FollowUp",
    "FollowUpAttempt", "Job", "Leaflet", "LoginThrottle", "OutreachEvent", "Region",
    "StockEntry", "User",
]
