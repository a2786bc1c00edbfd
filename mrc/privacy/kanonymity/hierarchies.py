"""Generalisation hierarchies of quasi-identifiers: the levels global recoding chooses from.

Every quasi-identifier has a hierarchy: a list of levels, each a coarsening of the one
before, always ending in *suppressed* ("*"). Age from the birth year in 5-year bands ->
10-year bands -> "*" (:class:`AgeBands`); province -> country -> "*"
(:func:`province_hierarchy`); any other variable as recorded -> "*" (:func:`keep`) unless a
hierarchy is supplied (:class:`MappingHierarchy`). A hierarchy may rename the released
column (birth year -> ``age``).

Guarantee required of every hierarchy (and checked when a panel is encoded): each level is
a function of the one before, so the lattice of level combinations is monotone -- a
generalisation of a node never splits a class.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

SUPPRESSED = "*"
SUPPRESSED_LEVEL = "suppressed"

Labels = npt.NDArray[np.object_]


class Hierarchy(ABC):
    """Generalisation hierarchy of one quasi-identifier.

    ``level_names`` name the levels before suppression (the first is the finest level
    released); a final level, *suppressed* ("*"), is always added. ``labels`` maps the
    distinct non-missing values of the column to their label at every one of those levels;
    each level must be a function of the one before (a value's label at level i+1 depends
    only on its label at level i), which makes the lattice monotone.
    """

    output_column: str | None = None

    @property
    @abstractmethod
    def level_names(self) -> tuple[str, ...]:
        """Names of the levels before suppression, finest first."""

    @abstractmethod
    def labels(self, values: pd.Series) -> list[Labels]:
        """Label (str) of every value at every level of ``level_names``."""


Step = Mapping[Any, str] | Callable[[pd.Series], pd.Series]


@dataclass(frozen=True, eq=False)
class MappingHierarchy(Hierarchy):
    """Values as recorded (as text), then one level per step, then suppressed.

    A step is a mapping from the previous level's labels to coarser labels, or a function
    on a Series of labels (vectorised). ``MappingHierarchy()`` is keep-or-suppress.
    """

    base_name: str = "as recorded"
    steps: tuple[tuple[str, Step], ...] = ()
    output_column: str | None = None

    @property
    def level_names(self) -> tuple[str, ...]:
        return (self.base_name, *(name for name, _ in self.steps))

    def labels(self, values: pd.Series) -> list[Labels]:
        current = as_text(values).reset_index(drop=True)
        result = [current.to_numpy(dtype=object)]
        for name, step in self.steps:
            if callable(step):
                mapped = pd.Series(step(current), dtype=object).reset_index(drop=True)
            else:
                mapped = current.map(step)
            unmapped = current[mapped.isna().to_numpy()]
            if len(unmapped):
                examples = ", ".join(sorted(set(unmapped.astype(str)))[:3])
                raise ValueError(f"hierarchy level {name!r} has no value for: {examples}")
            current = as_text(mapped).reset_index(drop=True)
            result.append(current.to_numpy(dtype=object))
        return result


def as_text(values: pd.Series) -> pd.Series:
    """Values as text, a missing value becoming the category "nan" (as ``str`` gives it).

    Not ``astype(str)``: pandas 3 keeps missing values missing there, pandas 2 did not.
    """
    return values.astype(object).map(str)


def keep() -> MappingHierarchy:
    """A quasi-identifier released as recorded or suppressed: the default."""
    return MappingHierarchy()


def _iso_country(provinces: pd.Series) -> pd.Series:
    return provinces.str.split("-", n=1).str[0]


def province_hierarchy(
    country_of: Mapping[str, str] | None = None, output_column: str | None = None
) -> MappingHierarchy:
    """Province → country → suppressed.

    Without a mapping the country is the prefix of an ISO 3166-2 code ("PK-PB" → "PK").
    """
    step: Step = country_of if country_of is not None else _iso_country
    return MappingHierarchy("province", (("country", step),), output_column)


@dataclass(frozen=True, eq=False)
class AgeBands(Hierarchy):
    """Age at ``reference_year`` computed from a birth year, in bands of growing width.

    ``widths=(5, 10)`` gives "25-29" → "20-29" → suppressed. Each width must divide the
    next so that bands nest; width 1 is age in years. Bands start at multiples of their
    width. The released column is ``output_column`` ("age"), in place of the birth year.
    """

    reference_year: int
    widths: tuple[int, ...] = (5, 10)
    output_column: str | None = "age"

    def __post_init__(self) -> None:
        if not self.widths or any(w < 1 for w in self.widths):
            raise ValueError("age band widths must be positive")
        for finer, coarser in itertools.pairwise(self.widths):
            if coarser <= finer or coarser % finer:
                raise ValueError("each age band width must be a multiple of the one before")

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple("age in years" if w == 1 else f"{w}-year bands" for w in self.widths)

    def labels(self, values: pd.Series) -> list[Labels]:
        years = pd.to_numeric(values, errors="raise").to_numpy(dtype=float)
        if not np.all(np.isfinite(years)) or np.any(years != np.floor(years)):
            raise ValueError("birth years must be whole numbers")
        ages = self.reference_year - years.astype(np.int64)
        result = []
        for width in self.widths:
            low = (ages // width) * width
            if width == 1:
                text = low.astype(str)
            else:
                text = np.char.add(np.char.add(low.astype(str), "-"), (low + width - 1).astype(str))
            result.append(text.astype(object))
        return result
