"""What anonymisation did: the disclosure report and the released frame that goes with it.

The :class:`DisclosureReport` says what was recoded, blanked and dropped, and renders as a
dict, JSON or a Markdown section for the export's README. It describes; it decides
nothing, and every number in it is computed from the frame actually released.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from mrc.privacy.kanonymity.hierarchies import SUPPRESSED


@dataclass(frozen=True)
class Recoding:
    """The level a quasi-identifier is released at."""

    variable: str  # released column
    source: str  # input column
    level: int  # 0 = finest level of the hierarchy
    level_name: str
    levels: int  # number of levels, suppressed included

    @property
    def generalised(self) -> bool:
        return self.level > 0

    def describe(self) -> str:
        return f"{self.variable}: {self.level_name}"


@dataclass
class DisclosureReport:
    """What anonymisation did, for the export's documentation and the audit trail.

    Counts of persons are distinct persons; *cells blanked* counts person-level cells
    (one per person and variable) and ``rows_with_blanked_cells`` the panel rows affected.
    """

    k_requested: int
    k_reached: int | None  # smallest class in persons; None when nothing is released
    l_requested: int | None
    l_reached: int | None
    sensitive: str | None
    quasi_identifiers: list[str]
    recodings: list[Recoding]
    max_suppression: float
    persons_in: int
    rows_in: int
    persons_released: int
    rows_released: int
    persons_suppressed: int
    rows_suppressed: int
    persons_with_blanked_cells: int
    cells_blanked: int
    cells_blanked_by_variable: dict[str, int]
    rows_with_blanked_cells: int
    persons_suppressed_for_l: int
    equivalence_classes: int
    generalisation_loss: float
    outlier_share: float  # persons in classes below k at the chosen recoding / persons
    information_loss: float  # generalisation_loss + outlier_share: what was minimised
    discernibility: int
    average_class_size: float | None
    normalised_average_class_size: float | None
    lattice_nodes: int
    lattice_nodes_evaluated: int
    notes: list[str] = field(default_factory=list)

    @property
    def k_satisfied(self) -> bool:
        """Every released class has at least k persons (vacuously true if none is)."""
        return self.k_reached is None or self.k_reached >= self.k_requested

    @property
    def nothing_released(self) -> bool:
        return self.persons_released == 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recodings"] = [
            {**asdict(r), "generalised": r.generalised, "description": r.describe()}
            for r in self.recodings
        ]
        data["k_satisfied"] = self.k_satisfied
        data["nothing_released"] = self.nothing_released
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def to_markdown(self) -> str:
        """A disclosure-control section for the export's README."""

        def share(n: int, total: int) -> str:
            return f"{n} ({n / total:.1%})" if total else str(n)

        lines = ["## Disclosure control", ""]
        if self.nothing_released:
            lines += [
                f"**Nothing released**: k = {self.k_requested} could not be reached "
                f"({self.persons_in} persons in the input).",
                "",
            ]
        lines += [
            f"- k-anonymity over {len(self.quasi_identifiers)} quasi-identifiers, counted in "
            f"persons: k requested **{self.k_requested}**, smallest class "
            f"**{self.k_reached if self.k_reached is not None else '-'}**",
        ]
        if self.l_requested is not None:
            lines.append(
                f"- distinct l-diversity of `{self.sensitive}`: l requested "
                f"**{self.l_requested}**, reached "
                f"**{self.l_reached if self.l_reached is not None else '-'}**"
            )
        lines += [
            f"- persons: {self.persons_in} in, {self.persons_released} released, "
            f"{share(self.persons_suppressed, self.persons_in)} suppressed"
            + (f" ({self.persons_suppressed_for_l} for l-diversity)"
               if self.persons_suppressed_for_l else ""),
            f"- rows: {self.rows_in} in, {self.rows_released} released, "
            f"{share(self.rows_suppressed, self.rows_in)} suppressed",
            f"- local suppression: {self.cells_blanked} cells blanked to `{SUPPRESSED}` for "
            f"{self.persons_with_blanked_cells} persons ({self.rows_with_blanked_cells} rows)",
            f"- equivalence classes: {self.equivalence_classes}; average size "
            + (f"{self.average_class_size:.1f} persons" if self.average_class_size else "-"),
            f"- information loss: {self.information_loss:.3f} (generalisation "
            f"{self.generalisation_loss:.3f} + outliers {self.outlier_share:.3f}, at most "
            f"{self.max_suppression:.1%} allowed); discernibility {self.discernibility}",
            "",
            "| variable | source | released as | generalised | cells blanked |",
            "|---|---|---|---|---|",
        ]
        for r in self.recodings:
            lines.append(
                f"| {r.variable} | {r.source} | {r.level_name} | "
                f"{'yes' if r.generalised else 'no'} | "
                f"{self.cells_blanked_by_variable.get(r.variable, 0)} |"
            )
        if self.notes:
            lines += ["", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines) + "\n"


@dataclass
class AnonymisationResult:
    """The released frame (rows of suppressed persons removed, original index kept) and
    its disclosure report. Quasi-identifier columns are pandas categoricals of text labels,
    with "*" for suppressed cells and missing values kept missing."""

    frame: pd.DataFrame
    report: DisclosureReport
