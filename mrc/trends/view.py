"""What the signals page shows of a published signal: the dimension and value in the
reader's language, the unit's name, a sentence with the ratio and the weeks, the shares as
percentages and the sparkline. Only published shares reach this module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from mrc.aggregates.hierarchy import Org
from mrc.cases import vocab
from mrc.i18n import fmt_number, page_locale
from mrc.places import country_name
from mrc.trends.services import Signal
from mrc.trends.sparkline import Sparkline, sparkline

DIMENSIONS = {
    "route": _l("Route considered"),
    "destination": _l("Intended destination"),
    "intention": _l("Migration intention"),
    "fee_band": _l("Fee quoted"),
}
VALUES: dict[str, Mapping[str, Any]] = {"route": vocab.ROUTE, "intention": vocab.INTENTION,
                                        "fee_band": vocab.FEE_BAND}


@dataclass(frozen=True)
class SignalView:
    dimension: str
    value: str
    unit: str
    unit_is_data: bool  # an MRC's or region's own name: not translated (translate="no")
    sentence: str
    shares: str
    chart: Sparkline


def percent(share: float) -> str:
    """A share as a percentage: whole numbers, one decimal below 10 % (a rise from 1.2 %
    to 2.1 % would otherwise read "1% to 2%")."""
    value = round(100 * share, 1) if share < 0.1 else round(100 * share)
    return _("%(value)s%%", value=fmt_number(value))


def value_label(dimension: str, value: str) -> str:
    if dimension == "destination":
        return country_name(value)
    return str(VALUES.get(dimension, {}).get(value, value))


def unit_names(scope: Org) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    for _id, code, name, country, _country_name, region, region_name in scope.mrcs:
        names[("mrc", code)] = f"{name} ({code})"
        names[("country", country)] = country_name(country)
        names[("region", region)] = region_name
    return names


def describe(signals: Sequence[Signal], scope: Org,
             rtl: bool | None = None) -> list[SignalView]:
    names = unit_names(scope)
    rtl = page_locale().dir == "rtl" if rtl is None else rtl
    shown = []
    for s in signals:
        key = s.key
        value = value_label(key.dimension, key.value)
        sentence = ngettext(
            "%(ratio)s× its usual share, %(weeks)s week in a row",
            "%(ratio)s× its usual share, %(weeks)s weeks in a row",
            s.weeks_running, ratio=fmt_number(round(s.ratio, 1)),
            weeks=fmt_number(s.weeks_running))
        shares = _("%(now)s of the answers in this week; usually %(usual)s.",
                   now=percent(s.share), usual=percent(s.expected))
        label = _("Weekly share of %(value)s over the last %(num)s weeks",
                  value=value, num=fmt_number(len(s.history)))
        shown.append(SignalView(
            dimension=str(DIMENSIONS.get(key.dimension, key.dimension)), value=value,
            unit=names.get((key.unit_kind, key.unit), key.unit),
            unit_is_data=key.unit_kind != "country", sentence=sentence, shares=shares,
            chart=sparkline(s.history, label, rtl)))
    return shown
