"""Evaluator studies: a study is defined within its owner's scope, keeps a secret key for
its pseudonyms (encrypted at rest), and becomes the panel definition (:class:`PanelSpec`)
that an export builds (:mod:`mrc.panels.services`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.keys import keyring
from mrc.org.models import MRC
from mrc.panels import query
from mrc.panels import variables as V
from mrc.panels.build import PanelSpec
from mrc.panels.models import PanelStudy
from mrc.privacy.kanonymity import MIN_K
from mrc.privacy.pseudonyms import new_study_key
from mrc.scope import mrc_ids_in_scope
from mrc.settings import settings

MAX_K = 100
STUDY_ROLES = (Role.EVALUATOR, Role.ADMIN)


class StudyError(ValueError):
    """A study definition or export request with problems, by field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def comparison_available() -> bool:
    """Whether the comparison survey (mrc.impact) is installed, so the option is offered."""
    return query.comparison_models() is not None


def can_define_studies(user: Any) -> bool:
    """Whether ``user`` may define studies (evaluators and admins)."""
    return bool(getattr(user, "is_authenticated", False) and user.role_enum in STUDY_ROLES)


def mrcs_in_scope(user: User) -> list[MRC]:
    """The MRCs a user may include in a study (their geographic scope)."""
    return list(db.session.scalars(
        select(MRC).where(MRC.id.in_(mrc_ids_in_scope(user))).order_by(MRC.code)))


def validate_study(data: dict[str, Any], user: User) -> dict[str, str]:
    """Errors by field of a study definition (empty when valid)."""
    errors = _scope_errors(data, user)
    errors.update(_period_errors(data))
    errors.update(_release_errors(data))
    errors.update(_anonymity_errors(data))
    if data.get("include_comparison") and not comparison_available():
        errors["include_comparison"] = _("The comparison survey is not available.")
    return errors


def _scope_errors(data: dict[str, Any], user: User) -> dict[str, str]:
    """The study's name, and its MRCs within the user's scope."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the study a name.")
    allowed = set(db.session.scalars(mrc_ids_in_scope(user)))
    chosen = {int(i) for i in data.get("mrc_ids") or []}
    if not chosen:
        errors["mrc_ids"] = _("Choose at least one MRC.")
    elif not chosen <= allowed:
        errors["mrc_ids"] = _("You can only include MRCs within your scope.")
    return errors


def _period_errors(data: dict[str, Any]) -> dict[str, str]:
    """The period of baselines, and follow-up waves among the configured ones."""
    errors: dict[str, str] = {}
    start, end = data.get("period_start"), data.get("period_end")
    if not isinstance(start, date) or not isinstance(end, date):
        errors["period_start"] = _("Enter the first and last day of the period.")
    elif start > end:
        errors["period_end"] = _("The period ends before it starts.")
    configured = len(settings().followup_waves_days)
    waves = [int(w) for w in data.get("waves") or []]
    if any(not 1 <= w <= configured for w in waves):
        errors["waves"] = _("Choose among the configured follow-up waves.")
    return errors


def _release_errors(data: dict[str, Any]) -> dict[str, str]:
    """What is released: file formats, shape, dates and known variables."""
    errors: dict[str, str] = {}
    if not set(data.get("formats") or []) or not set(data["formats"]) <= set(V.FORMATS):
        errors["formats"] = _("Choose at least one file format.")
    if data.get("shape") not in V.SHAPES:
        errors["shape"] = _("Choose long or wide.")
    if data.get("date_mode") not in V.DATE_MODES:
        errors["date_mode"] = _("Choose how dates are released.")
    unknown = (set(data.get("covariates") or []) - set(V.COVARIATES)) | (
        set(data.get("outcomes") or []) - set(V.OUTCOMES))
    if unknown:
        errors["covariates"] = _("Unknown variables.")
    return errors


def _anonymity_errors(data: dict[str, Any]) -> dict[str, str]:
    """k of k-anonymity, and the optional l-diversity of one sensitive outcome."""
    errors: dict[str, str] = {}
    k = data.get("k")
    if not isinstance(k, int) or not MIN_K <= k <= MAX_K:
        errors["k"] = _("k must be a whole number from %(low)s to %(high)s.", low=MIN_K,
                        high=MAX_K)
    l_variable, l_value = data.get("l_variable") or None, data.get("l_value")
    if not l_variable:
        return errors
    if l_variable not in V.SENSITIVE or l_variable not in (data.get("outcomes") or []):
        errors["l_variable"] = _("The sensitive variable must be one of the chosen "
                                 "outcomes.")
    if not isinstance(l_value, int) or l_value < 2:
        errors["l_value"] = _("l must be a whole number of at least 2.")
    elif isinstance(k, int) and l_value > k:
        errors["l_value"] = _("l cannot be larger than k.")
    return errors


def create_study(user: User, data: dict[str, Any]) -> PanelStudy:
    """Define a study owned by ``user``, with a fresh secret key (encrypted at rest)."""
    errors = validate_study(data, user)
    if errors:
        raise StudyError(errors)
    l_variable = data.get("l_variable") or None
    study = PanelStudy(
        name=str(data["name"]).strip(), owner_id=user.id,
        mrc_ids=sorted({int(i) for i in data["mrc_ids"]}),
        period_start=data["period_start"], period_end=data["period_end"],
        waves=sorted({int(w) for w in data.get("waves") or []}),
        variables=[v for v in [*V.COVARIATES, *V.OUTCOMES]
                   if v in {*(data.get("covariates") or []), *(data.get("outcomes") or [])}],
        shape=data["shape"], formats=[f for f in V.FORMATS if f in data["formats"]],
        date_mode=data["date_mode"], k=int(data["k"]), l_variable=l_variable,
        l_value=int(data["l_value"]) if l_variable else None,
        include_comparison=bool(data.get("include_comparison")),
        key_enc=keyring().cipher.encrypt(new_study_key().hex()),
        created_at=datetime.now(UTC),
    )
    db.session.add(study)
    db.session.flush()
    audit.record("create", "panel_study", study.id, user=user)
    return study


def own_studies(user: User) -> list[PanelStudy]:
    """The studies ``user`` defined, newest first."""
    return list(db.session.scalars(select(PanelStudy).where(PanelStudy.owner_id == user.id)
                                   .order_by(PanelStudy.id.desc())))


def get_own_study(study_id: int, user: User) -> PanelStudy | None:
    """The study if ``user`` owns it (studies are never shared)."""
    study = db.session.get(PanelStudy, study_id)
    return study if study is not None and study.owner_id == user.id else None


def study_key(study: PanelStudy) -> bytes:
    """The study's secret pseudonym key, decrypted."""
    return bytes.fromhex(keyring().cipher.decrypt(study.key_enc))


def rotate_study_keys() -> int:
    """Re-encrypt every study key under the primary application key (``rotate-keys``)."""
    cipher = keyring().cipher
    studies = list(db.session.scalars(select(PanelStudy)))
    for study in studies:
        study.key_enc = cipher.rotate(study.key_enc)
    return len(studies)


def spec_of(study: PanelStudy, user: User | None, k: int | None = None) -> PanelSpec:
    """The panel definition of a study, its MRCs cut down to ``user``'s current scope
    (a study outlives changes of its owner's scope)."""
    mrc_ids = list(study.mrc_ids)
    if user is not None:
        allowed = set(db.session.scalars(mrc_ids_in_scope(user)))
        mrc_ids = [i for i in mrc_ids if i in allowed]
    chosen = set(study.variables)
    return PanelSpec(
        name=study.name, mrc_ids=tuple(mrc_ids), period_start=study.period_start,
        period_end=study.period_end, waves=tuple(study.waves),
        wave_days=settings().followup_waves_days,
        covariates=tuple(v for v in V.COVARIATES if v in chosen),
        outcomes=tuple(v for v in V.OUTCOMES if v in chosen),
        shape=study.shape, formats=tuple(study.formats), date_mode=study.date_mode,
        k=k if k is not None else study.k, l_variable=study.l_variable,
        l_value=study.l_value, include_comparison=study.include_comparison)


def adhoc_spec(mrc_ids: list[int], start: date | None, end: date | None,
               **options: Any) -> PanelSpec:
    """A panel over the given MRCs without a stored study (``mrc export-panel`` without
    ``--study``): the whole period of baselines unless limited."""
    if start is None or end is None:
        first, last = db.session.execute(
            select(func.min(CounsellingSession.date), func.max(CounsellingSession.date))
            .where(CounsellingSession.is_baseline.is_(True), CounsellingSession.live())).one()
        start = start or first or date.today()
        end = end or last or date.today()
    waves = tuple(range(1, len(settings().followup_waves_days) + 1))
    return PanelSpec(name=options.pop("name", "Ad hoc panel"), mrc_ids=tuple(mrc_ids),
                     period_start=start, period_end=end, waves=options.pop("waves", waves),
                     wave_days=settings().followup_waves_days,
                     **options)
