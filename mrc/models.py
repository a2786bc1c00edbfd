"""Every model module, imported once so the metadata (and Alembic) sees all tables."""

from mrc.aggregates.models import (
    ClientMonth,
    LeafletMonth,
    OutcomeMonth,
    OutreachMonth,
    SessionMonth,
)
from mrc.api.models import ApiToken
from mrc.audit.models import AuditEvent
from mrc.auth.models import LoginThrottle, User
from mrc.capture.models import CaptureCode, CaptureCodeBlock
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.jobs.models import Job
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.org.models import MRC, Country, MRCContactText, Region
from mrc.outreach.models import OutreachEvent
from mrc.panels.models import PanelExport, PanelStudy
from mrc.referrals.models import Facility, Referral
from mrc.survey.models import ComparisonRespondent, ComparisonResponse
from mrc.trends.models import SignalNotification, SignalSubscription
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "MRC", "ApiToken", "AuditEvent", "CaptureCode", "CaptureCodeBlock", "Client", "ClientMonth", "LeafletMonth", "OutcomeMonth",
    "OutreachMonth", "SessionMonth", "ComparisonRespondent", "ComparisonResponse",
    "CounsellingSession", "Country", "Facility", "FollowUp",
    "FollowUpAttempt", "Job", "Leaflet", "LoginThrottle", "MRCContactText", "OutreachEvent", "PanelExport",
    "PanelStudy", "Referral", "Region", "SignalNotification", "SignalSubscription",
    "StockEntry", "User", "WebhookDelivery", "WebhookSubscription",
]
