"""Importer of the comparison survey: one row per respondent and wave (0 = baseline),
loaded through ``mrc.survey.services`` (``new_respondent``, ``record_response``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from mrc.cases import awareness
from mrc.cases import services as cases
from mrc.extensions import db
from mrc.imports import kinds
from mrc.imports.importer import Importer, not_future
from mrc.imports.rows import Context, ImportRow, in_chunks
from mrc.survey import services as survey
from mrc.survey.models import ComparisonRespondent, ComparisonResponse

RespondentKey = tuple[int, str]  # (MRC id, the file's respondent_id)
# Asked on the first row of a new respondent (later rows may leave them out).
FIRST_ROW_FIELDS = ("sex", "migrant_status")
# May be added by a later row of a respondent new in this file.
COMPLETABLE_FIELDS = ("birth_year", "province")


class ComparisonImporter(Importer):
    """The comparison survey: one row per respondent and wave (0 = baseline). The first
    row of a new respondent gives their sex and migrant status (and birth year, province);
    other rows may repeat these but not contradict them (a stored respondent is never
    changed by an import)."""

    spec = kinds.COMPARISON
    model = ComparisonResponse

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        v = row.values
        not_future(row, ctx, "survey_date", _("The survey date cannot be in the future."))
        waves = len(cases.wave_offsets())
        wave = v.get("wave")
        if wave is not None and wave > waves:
            ctx.error(row, "wave", _("Waves are numbered from 0 (the baseline) to %(n)s.",
                                     n=waves))
        year = v.get("birth_year")
        if year is not None and not cases.OLDEST_BIRTH_YEAR <= year <= ctx.today.year:
            ctx.error(row, "birth_year", _("Enter a birth year between %(low)s and %(high)s.",
                                           low=cases.OLDEST_BIRTH_YEAR, high=ctx.today.year))
        score, answers = v.get("awareness_score"), v.get("awareness_answers")
        if score is not None and score > awareness.max_score():
            ctx.error(row, "awareness_score", _("Enter a score between 0 and %(max)s.",
                                                max=awareness.max_score()))
        elif score is not None and answers and awareness.score(answers) != score:
            ctx.error(row, "awareness_score",
                      _("The score does not match the awareness answers of this row."))

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        """Give each row its respondent (stored, or new from its first row in the file)
        and check it against what is known of that respondent and their waves."""
        known = _Survey.of(rows)
        # In file order, so "the first row" of a respondent is the first in the file.
        for row in sorted(rows, key=lambda r: r.number):
            key = _respondent_key(row)
            if key is None:
                continue
            row.respondent = known.respondent_of(row, key, ctx)
            known.check_wave(row, key, ctx)

    def load_order(self, rows: list[ImportRow]) -> list[ImportRow]:
        return sorted(rows, key=lambda row: (row.values["wave"], row.number))

    def load(self, row: ImportRow, ctx: Context) -> None:
        assert row.respondent is not None  # noqa: S101 (checked in check_new)
        survey.record_response(row.respondent, row.values, row.record_id)


def _respondent_key(row: ImportRow) -> RespondentKey | None:
    if row.mrc is None or not row.values.get("respondent_id"):
        return None
    return row.mrc.id, str(row.values["respondent_id"])


@dataclass
class _Survey:
    """What the check knows of the respondents: those stored, their stored waves, the
    baseline dates (stored or in the file), and what the rows seen so far introduced."""

    stored: dict[RespondentKey, ComparisonRespondent]
    stored_waves: dict[tuple[int, int], date]  # (respondent id, wave) → survey date
    baselines: dict[RespondentKey, date]
    first: dict[RespondentKey, ImportRow] = field(default_factory=dict)
    new_respondents: dict[RespondentKey, ComparisonRespondent] = field(default_factory=dict)
    waves_in_file: dict[tuple[RespondentKey, int], int] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[ImportRow]) -> _Survey:
        stored = _stored_respondents(rows)
        stored_waves = _stored_waves(stored)
        return cls(stored, stored_waves, _baselines(rows, stored, stored_waves))

    def respondent_of(self, row: ImportRow, key: RespondentKey,
                      ctx: Context) -> ComparisonRespondent | None:
        """The row's respondent: the stored one, the one an earlier row of the file
        introduced, or a new one from this row (None when its first row is incomplete)."""
        stored = self.stored.get(key)
        if stored is not None:
            _check_same(row, ctx, {name: getattr(stored, name)
                                   for name in survey.RESPONDENT_FIELDS}, None)
            return stored
        if key in self.first:
            return self._repeat(row, key, ctx)
        return self._introduce(row, key, ctx)

    def _repeat(self, row: ImportRow, key: RespondentKey,
                ctx: Context) -> ComparisonRespondent | None:
        first = self.first[key]
        _check_same(row, ctx, first.values, first.number)
        respondent = self.new_respondents.get(key)
        if respondent is not None:
            for name in COMPLETABLE_FIELDS:
                if getattr(respondent, name) is None and row.values.get(name) is not None:
                    setattr(respondent, name, row.values[name])
        return respondent

    def _introduce(self, row: ImportRow, key: RespondentKey,
                   ctx: Context) -> ComparisonRespondent | None:
        assert row.mrc is not None  # noqa: S101 (rows without an MRC have no key)
        self.first[key] = row
        missing = [name for name in FIRST_ROW_FIELDS
                   if row.values.get(name) is None and name not in row.failed]
        for name in missing:
            ctx.error(row, name, _("Required on the first row of a respondent."))
        if missing or set(FIRST_ROW_FIELDS) & row.failed:
            return None
        respondent = survey.new_respondent(row.mrc, key[1], row.values)
        self.new_respondents[key] = respondent
        return respondent

    def check_wave(self, row: ImportRow, key: RespondentKey, ctx: Context) -> None:
        """Each wave of a respondent once (in the file and with what is stored), and
        follow-up waves after the baseline."""
        wave, when = row.values.get("wave"), row.values.get("survey_date")
        if wave is None or "wave" in row.failed:
            return
        stored = self.stored.get(key)
        if stored is not None and (stored.id, wave) in self.stored_waves:
            ctx.error(row, "wave", _("This respondent's wave %(wave)s is already "
                                     "imported (with another response_id).", wave=wave))
        elif (key, wave) in self.waves_in_file:
            ctx.error(row, "wave", _("Row %(row)s already holds this wave of this "
                                     "respondent.", row=self.waves_in_file[(key, wave)]))
        else:
            self.waves_in_file[(key, wave)] = row.number
        baseline = self.baselines.get(key)
        if wave > 0 and when is not None and baseline is not None and when <= baseline:
            ctx.error(row, "survey_date", _("A follow-up wave must be after the "
                                            "respondent's baseline (%(date)s).",
                                            date=baseline.isoformat()))


def _stored_respondents(rows: list[ImportRow]
                        ) -> dict[RespondentKey, ComparisonRespondent]:
    """The respondents the rows name that are already stored in their MRC."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        key = _respondent_key(row)
        if key is not None:
            wanted[key[0]].add(key[1])
    stored: dict[RespondentKey, ComparisonRespondent] = {}
    for mrc_id, externals in wanted.items():
        for chunk in in_chunks(sorted(externals)):
            for r in db.session.scalars(select(ComparisonRespondent).where(
                    ComparisonRespondent.mrc_id == mrc_id,
                    ComparisonRespondent.external_id.in_(chunk))):
                stored[(mrc_id, r.external_id)] = r
    return stored


def _stored_waves(stored: dict[RespondentKey, ComparisonRespondent]
                  ) -> dict[tuple[int, int], date]:
    """Survey date of each stored (respondent id, wave)."""
    waves: dict[tuple[int, int], date] = {}
    ids = sorted(r.id for r in stored.values())
    for chunk in in_chunks(ids):
        for respondent_id, wave, day in db.session.execute(
                select(ComparisonResponse.respondent_id, ComparisonResponse.wave,
                       ComparisonResponse.survey_date)
                .where(ComparisonResponse.respondent_id.in_(chunk))):
            waves[(respondent_id, wave)] = day
    return waves


def _baselines(rows: list[ImportRow], stored: dict[RespondentKey, ComparisonRespondent],
               stored_waves: dict[tuple[int, int], date]) -> dict[RespondentKey, date]:
    """Baseline dates, stored or in this file, for the order of the waves."""
    baselines = {key: stored_waves[(r.id, 0)] for key, r in stored.items()
                 if (r.id, 0) in stored_waves}
    for row in rows:
        if row.mrc is not None and row.values.get("wave") == 0 \
                and row.values.get("survey_date") is not None:
            baselines.setdefault((row.mrc.id, str(row.values.get("respondent_id"))),
                                 row.values["survey_date"])
    return baselines


def _check_same(row: ImportRow, ctx: Context, known: dict[str, Any],
                first_row: int | None) -> None:
    """Errors where the row contradicts what is known of its respondent (a stored
    respondent when ``first_row`` is None, else the file's row ``first_row``)."""
    for name in survey.RESPONDENT_FIELDS:
        value, earlier = row.values.get(name), known.get(name)
        if value is None or earlier is None or value == earlier:
            continue
        if first_row is None:
            ctx.error(row, name, _("This differs from the respondent already imported."))
        else:
            ctx.error(row, name, _("This differs from row %(row)s about the same "
                                   "respondent.", row=first_row))
