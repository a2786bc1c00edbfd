"""k-anonymity (and optionally distinct l-diversity) for longitudinal evaluator panels.

The input is a long-format panel: one row per person and wave. The quasi-identifiers
(sex, birth year, province, nationality, migrant status, education, site…) are baseline
covariates, constant per person, so anonymity is counted in **persons**, not rows: every
combination of released quasi-identifier values (an *equivalence class*) is shared by at
least ``k`` distinct persons.

How it gets there, in order:

1. **Global recoding.** Every quasi-identifier has a generalisation hierarchy (a list of
   levels, each a coarsening of the one before, always ending in *suppressed*, "*"):
   age from the birth year in 5-year bands → 10-year bands → "*"; province → country → "*";
   any other variable as recorded → "*" unless a hierarchy is supplied. The lattice of all
   combinations of levels is searched bottom-up and the node with the least information
   loss is chosen among those that leave at most ``max_suppression`` of the persons in
   classes smaller than ``k``. The loss of a node is its *generalisation loss* (the
   weighted mean over the quasi-identifiers of level / top level, 0 = as recorded,
   1 = everything suppressed) plus the share of persons left in too-small classes.
2. **Local suppression by blanking cells.** The persons still in classes smaller than
   ``k`` (the *outliers*) get some of their quasi-identifier cells set to "*" so that they
   join a class of at least ``k`` persons: the sets of variables tried are the smallest
   first, the least important (lowest weight) first. Outliers that cannot reach ``k``
   even with every cell blanked are **dropped** (all their rows). Blanking keeps their
   outcome data in the panel.
3. **Distinct l-diversity** (optional): classes where the sensitive variable has fewer
   than ``l`` distinct values get all their cells blanked; if the all-"*" class then fails
   ``k`` or ``l``, its persons are dropped.

"*" is treated as a value of its own, never as a wildcard: a blanked cell only matches
other blanked cells. That is the conservative reading (a blanked record does not count
towards the classes it could belong to) and the one ``pycanon`` and other checkers use, so
the released frame is k-anonymous by plain equality of its quasi-identifier columns.
Missing values are a category of their own, too.

The released frame keeps the input's rows (of the persons not dropped), index and other
columns unchanged; each quasi-identifier column becomes a pandas categorical of text labels
(categories sorted, "*" last), and a hierarchy may rename it (birth year → ``age``).
The :class:`DisclosureReport` says what was recoded, blanked and dropped, and renders as a
dict, JSON or a Markdown section for the export's README. For l-diversity, missing
sensitive values do not count as a distinct value.

Everything is vectorised (NumPy / pandas): the only Python loops run over lattice nodes,
quasi-identifiers and suppression patterns, never over rows.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

SUPPRESSED = "*"
MIN_K = 3
DEFAULT_K = 5
DEFAULT_MAX_SUPPRESSION = 0.05
SUPPRESSED_LEVEL = "suppressed"
# Above this many quasi-identifiers eligible for blanking, only blank one or two variables
# at a time before blanking them all (2**n patterns would be too many).
_ALL_PATTERNS_UP_TO = 10
_KEY_LIMIT = 2**62
# 7 quasi-identifiers with the default hierarchies make 288 nodes; this bounds the search.
MAX_LATTICE_NODES = 20_000
_LEADING_NUMBER = re.compile(r"-?\d+")

IntArray = npt.NDArray[np.int64]
Labels = npt.NDArray[np.object_]


# --------------------------------------------------------------------------- hierarchies


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
        current = values.astype(str).reset_index(drop=True)
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
            current = mapped.astype(str)
            result.append(current.to_numpy(dtype=object))
        return result


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


# ----------------------------------------------------------------------------- report


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


# -------------------------------------------------------------------------- internals


@dataclass
class _Variable:
    """One quasi-identifier, encoded per person at every level of its hierarchy."""

    source: str
    output: str
    level_names: tuple[str, ...]  # suppressed level included
    categories: list[list[Any]]  # labels per level (NaN for missing)
    base: IntArray  # person → distinct-value index (missing = last)
    value_to_level: list[IntArray]  # per level: distinct-value index → level code
    step: list[IntArray]  # per level l < top: level-l code → level-(l+1) code
    weight: float

    @property
    def top(self) -> int:
        return len(self.level_names) - 1

    def cards(self, level: int) -> int:
        return len(self.categories[level])

    def person_codes(self, level: int) -> IntArray:
        return self.value_to_level[level][self.base]


@dataclass
class _Table:
    """Distinct combinations of level codes at a lattice node, with person counts."""

    columns: list[IntArray]
    counts: IntArray


def _small(codes: IntArray) -> IntArray:
    # Lattice tables live a layer at a time; narrow codes keep them small.
    top = int(codes.max()) if codes.size else 0
    dtype = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int64
    return codes.astype(dtype)


def _combine(columns: Sequence[npt.NDArray[Any]], cards: Sequence[int]) -> IntArray:
    """An int64 key equal for two rows exactly when all their codes are equal."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    space = 1
    for codes, card in zip(columns, cards, strict=True):
        if space * card >= _KEY_LIMIT:
            compact, uniques = pd.factorize(key)
            key, space = compact.astype(np.int64), max(len(uniques), 1)
        key = key * card + codes.astype(np.int64)
        space *= card
    return key


def _group(key: IntArray) -> tuple[IntArray, IntArray]:
    """Group ids (0..g-1, in order of first appearance) and each group's first row."""
    ids, _ = pd.factorize(key)
    ids = ids.astype(np.int64)
    if ids.size == 0:
        return ids, ids
    before = np.empty_like(ids)
    before[0] = -1
    np.maximum.accumulate(ids[:-1], out=before[1:])
    return ids, np.flatnonzero(ids > before)


def _rollup(table: _Table, cards: Sequence[int], q: int | None, step: IntArray | None) -> _Table:
    columns = list(table.columns)
    if q is not None and step is not None:
        columns[q] = step[columns[q]]
    ids, first = _group(_combine(columns, cards))
    counts = np.bincount(ids, weights=table.counts, minlength=first.size).astype(np.int64)
    return _Table([_small(c[first]) for c in columns], counts)


def _encode(
    df: pd.DataFrame,
    column: str,
    hierarchy: Hierarchy,
    weight: float,
    person_codes: IntArray,
    first_rows: IntArray,
) -> _Variable:
    codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
    per_person = codes[first_rows]
    if not np.array_equal(codes, per_person[person_codes]):
        varying = np.unique(person_codes[codes != per_person[person_codes]]).size
        raise ValueError(
            f"quasi-identifier {column!r} is not constant within persons "
            f"({varying} persons have several values)"
        )
    n_values = len(uniques)
    base = np.where(per_person < 0, n_values, per_person).astype(np.int64)
    names = hierarchy.level_names
    labels = hierarchy.labels(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    if len(labels) != len(names):
        raise ValueError(f"hierarchy of {column!r} gives {len(labels)} levels, not {len(names)}")
    categories: list[list[Any]] = []
    value_to_level: list[IntArray] = []
    for level_labels in labels:
        level_labels = np.asarray(level_labels, dtype=object)
        if len(level_labels) != n_values:
            raise ValueError(f"hierarchy of {column!r} does not label every value")
        if np.any(level_labels == SUPPRESSED):
            raise ValueError(f"{column!r} has a value or label {SUPPRESSED!r}, which is reserved")
        with_missing = np.concatenate([level_labels, np.array([None], dtype=object)])
        level_codes, level_uniques = pd.factorize(with_missing, use_na_sentinel=False)
        value_to_level.append(level_codes.astype(np.int64))
        categories.append(list(level_uniques))
    value_to_level.append(np.zeros(n_values + 1, dtype=np.int64))
    categories.append([SUPPRESSED])
    steps: list[IntArray] = []
    for level in range(len(names)):
        finer, coarser = value_to_level[level], value_to_level[level + 1]
        step = np.zeros(len(categories[level]), dtype=np.int64)
        step[finer] = coarser
        if not np.array_equal(step[finer], coarser):
            raise ValueError(
                f"hierarchy of {column!r}: level {level + 1} is not a coarsening of level {level}"
            )
        steps.append(step)
    output = hierarchy.output_column or column
    return _Variable(
        column, output, (*names, SUPPRESSED_LEVEL), categories, base, value_to_level, steps,
        weight,
    )


@dataclass
class _Search:
    node: tuple[int, ...]
    outliers: int
    generalisation_loss: float
    nodes: int
    evaluated: int
    feasible: bool


def _search(variables: list[_Variable], k: int, max_outliers: int, persons: int) -> _Search:
    """Bottom-up search of the generalisation lattice for the least-loss feasible node.

    Feasible: at most ``max_outliers`` persons in classes below k. Loss: generalisation
    loss + outliers / persons. A node whose generalisation loss alone is not below the
    best loss found cannot win, nor can its generalisations (their loss is higher), so
    they are skipped. Each node's table is rolled up from its smallest evaluated child.
    """
    tops = [v.top for v in variables]
    n_nodes = math.prod(t + 1 for t in tops)
    if n_nodes > MAX_LATTICE_NODES:
        raise ValueError(
            f"{n_nodes} combinations of generalisation levels: too many to search; "
            "declare fewer quasi-identifiers or shorter hierarchies"
        )
    total_weight = sum(v.weight for v in variables)

    def generalisation_loss(node: tuple[int, ...]) -> float:
        return sum(v.weight * lv / v.top for v, lv in zip(variables, node, strict=True)) / (
            total_weight
        )

    def cards(node: tuple[int, ...]) -> list[int]:
        return [v.cards(lv) for v, lv in zip(variables, node, strict=True)]

    bottom = tuple(0 for _ in variables)
    base = _rollup(
        _Table([v.person_codes(0) for v in variables], np.ones(persons, dtype=np.int64)),
        cards(bottom), None, None,
    )
    layers: dict[int, list[tuple[int, ...]]] = {}
    for node in itertools.product(*(range(t + 1) for t in tops)):
        layers.setdefault(sum(node), []).append(node)

    best: tuple[float, int, tuple[int, ...]] | None = None
    fallback: tuple[int, tuple[int, ...]] | None = None  # fewest outliers if none feasible
    evaluated = 0
    previous: dict[tuple[int, ...], _Table] = {}
    for height in sorted(layers):
        current: dict[tuple[int, ...], _Table] = {}
        for node in layers[height]:
            loss = generalisation_loss(node)
            if best is not None and loss >= best[0]:
                continue
            if height == 0:
                table = base
            else:
                children = [
                    (len(previous[child].counts), q, child)
                    for q in range(len(node)) if node[q] > 0
                    for child in [node[:q] + (node[q] - 1,) + node[q + 1:]]
                    if child in previous
                ]
                if not children:
                    continue
                _, q, child = min(children)
                table = _rollup(
                    previous[child], cards(node), q, variables[q].step[child[q]]
                )
            evaluated += 1
            current[node] = table
            outliers = int(table.counts[table.counts < k].sum())
            # Ties go to the more general node: with nothing feasible, release least.
            if fallback is None or outliers <= fallback[0]:
                fallback = (outliers, node)
            if outliers <= max_outliers:
                # Rounded so that equal losses tie exactly (then: fewer outliers, then
                # the lexicographically first node, for a deterministic choice).
                candidate = (round(loss + outliers / persons, 12), outliers, node)
                if best is None or candidate < best:
                    best = candidate
        previous = current
    if best is not None:
        node = best[2]
        return _Search(node, best[1], generalisation_loss(node), n_nodes, evaluated, True)
    if fallback is None:  # the bottom node is always evaluated
        raise RuntimeError("internal error: no lattice node evaluated")
    node = fallback[1]
    return _Search(node, fallback[0], generalisation_loss(node), n_nodes, evaluated, False)


def _patterns(
    eligible: list[int], variables: list[_Variable], cards: list[int]
) -> list[tuple[int, ...]]:
    """Sets of variables to blank, in the order they are tried: fewest variables first,
    then least important (lowest weight), then most detailed (most categories)."""
    if len(eligible) <= _ALL_PATTERNS_UP_TO:
        sizes: Iterable[int] = range(1, len(eligible) + 1)
    else:
        sizes = (1, 2)
    subsets = [s for size in sizes for s in itertools.combinations(eligible, size)]
    subsets.sort(key=lambda s: (len(s), sum(variables[q].weight for q in s),
                                -sum(cards[q] for q in s), s))
    everything = tuple(eligible)
    if eligible and subsets[-1] != everything:
        subsets.append(everything)
    return subsets


class _Counter:
    """Persons per class key, for the classes accepted so far."""

    def __init__(self, keys: IntArray) -> None:
        self.keys, counts = np.unique(keys, return_counts=True)
        self.counts = counts.astype(np.int64)

    def lookup(self, keys: IntArray) -> IntArray:
        if self.keys.size == 0:
            return np.zeros(keys.size, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[pos] == keys, self.counts[pos], 0)

    def add(self, keys: IntArray, counts: IntArray) -> None:
        merged, inverse = np.unique(np.concatenate([self.keys, keys]), return_inverse=True)
        weights = np.concatenate([self.counts, counts]).astype(float)
        self.counts = np.bincount(inverse.reshape(-1), weights=weights).astype(np.int64)
        self.keys = merged


def _distinct_per_group(group: IntArray, values: IntArray, n_groups: int) -> IntArray:
    """Number of distinct non-negative values per group id (missing = -1 not counted)."""
    present = values >= 0
    if not present.any():
        return np.zeros(n_groups, dtype=np.int64)
    width = int(values.max()) + 1
    pairs = np.unique(group[present] * width + values[present])
    return np.bincount(pairs // width, minlength=n_groups).astype(np.int64)


@dataclass
class _Cells:
    """Person-level codes at the chosen node, with one extra "*" code per variable (the
    suppressed level's only code when the variable is suppressed globally), and which
    cells local suppression blanked."""

    codes: list[IntArray]
    star: list[int]
    multipliers: IntArray
    blanked: list[npt.NDArray[np.bool_]]

    @classmethod
    def at(cls, variables: list[_Variable], node: tuple[int, ...]) -> _Cells:
        pairs = list(zip(variables, node, strict=True))
        codes = [v.person_codes(lv) for v, lv in pairs]
        star = [0 if lv == v.top else v.cards(lv) for v, lv in pairs]
        radices = [v.cards(lv) + (0 if lv == v.top else 1) for v, lv in pairs]
        if math.prod(radices) >= _KEY_LIMIT:
            raise ValueError("too many combinations of quasi-identifier values: add hierarchies")
        multipliers = np.array([math.prod(radices[i + 1:]) for i in range(len(radices))],
                               dtype=np.int64)
        persons = len(codes[0])
        return cls(codes, star, multipliers, [np.zeros(persons, dtype=bool) for _ in pairs])

    def keys(self, columns: Sequence[IntArray] | None = None) -> IntArray:
        """Class key (mixed radix, exact) of every person, or of the given code columns."""
        columns = self.codes if columns is None else columns
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for c, m in zip(columns, self.multipliers, strict=True):
            key += c.astype(np.int64) * m
        return key

    def star_key(self) -> int:
        return int(self.keys([np.array([s], dtype=np.int64) for s in self.star])[0])

    def blank(self, persons: IntArray | npt.NDArray[np.bool_], variables: Iterable[int]) -> None:
        for q in variables:
            self.blanked[q][persons] |= self.codes[q][persons] != self.star[q]
            self.codes[q][persons] = self.star[q]


def _blank_outliers(
    cells: _Cells, variables: list[_Variable], node: tuple[int, ...], k: int
) -> npt.NDArray[np.bool_]:
    """Local suppression: blank cells of the persons in classes below k until they join a
    class of k; returns the persons to drop (those that even all-"*" cannot hide).

    A set of variables is applied to all remaining outliers at once, and accepted for
    exactly those whose new class (with the persons already accepted) reaches k; the
    others are left unchanged, so every accepted class keeps at least k persons: classes
    only ever gain members.
    """
    key = cells.keys()
    class_ids, _ = _group(key)
    small = np.bincount(class_ids)[class_ids] < k if key.size else np.zeros(0, dtype=bool)
    pending = np.flatnonzero(small)
    counter = _Counter(key[~small])
    eligible = [q for q, (v, lv) in enumerate(zip(variables, node, strict=True)) if lv < v.top]
    cards = [v.cards(lv) for v, lv in zip(variables, node, strict=True)]
    for pattern in _patterns(eligible, variables, cards):
        if pending.size == 0:
            break
        trial = [
            np.full(pending.size, cells.star[q], dtype=np.int64) if q in pattern
            else cells.codes[q][pending]
            for q in range(len(variables))
        ]
        uniques, inverse, counts = np.unique(cells.keys(trial), return_inverse=True,
                                             return_counts=True)
        enough = counts + counter.lookup(uniques) >= k
        accepted = enough[inverse.reshape(-1)]
        if accepted.any():
            cells.blank(pending[accepted], pattern)
            counter.add(uniques[enough], counts[enough].astype(np.int64))
            pending = pending[~accepted]
    dropped = np.zeros(len(key), dtype=bool)
    dropped[pending] = True
    return dropped


# ------------------------------------------------------------------------------ public


def anonymise(
    df: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    hierarchies: Mapping[str, Hierarchy] | None = None,
    *,
    k: int = DEFAULT_K,
    person_column: str = "person_id",
    max_suppression: float = DEFAULT_MAX_SUPPRESSION,
    weights: Mapping[str, float] | None = None,
    sensitive: str | None = None,
    l: int | None = None,  # noqa: E741 - the name of the property
    wave_column: str | None = None,
) -> AnonymisationResult:
    """Make a long-format panel k-anonymous over its quasi-identifiers, counted in persons.

    ``df`` has one row per person and wave; ``person_column`` identifies the person (the
    study pseudonym) and the quasi-identifiers must be constant within a person.
    ``hierarchies`` maps a quasi-identifier to its :class:`Hierarchy` (default: keep or
    suppress); ``weights`` says how much each one matters (default 1; a heavier variable
    is generalised and blanked later). ``k`` may not be below 3. ``max_suppression`` is
    the share of persons that may be left to local suppression (cells blanked, or
    dropped) at the chosen recoding.
    With ``sensitive`` and ``l``, every class must hold at least ``l`` distinct values of
    the sensitive column among its rows, in every wave separately when ``wave_column``
    is given.

    Guarantee: in the returned frame every combination of the released quasi-identifier
    values is shared by at least ``k`` distinct persons (and is l-diverse if asked), or
    the frame is empty. Non-quasi-identifier columns of the rows kept are unchanged.
    """
    quasi_identifiers = list(quasi_identifiers)
    hierarchies = dict(hierarchies or {})
    weights = dict(weights or {})
    _validate(df, quasi_identifiers, hierarchies, weights, k, person_column,
              max_suppression, sensitive, l, wave_column)

    rows_in = len(df)
    person_codes, person_ids = pd.factorize(df[person_column], use_na_sentinel=True)
    if rows_in and int(person_codes.min()) < 0:
        raise ValueError(f"person column {person_column!r} has missing values")
    person_codes = person_codes.astype(np.int64)
    persons = len(person_ids)
    _, first_rows = _group(person_codes)
    rows_per_person = np.bincount(person_codes, minlength=persons)

    variables = [
        _encode(df, q, hierarchies.get(q) or keep(), float(weights.get(q, 1.0)),
                person_codes, first_rows)
        for q in quasi_identifiers
    ]
    outputs = [v.output for v in variables]
    if len(set(outputs)) != len(outputs) or any(
        o in df.columns and o not in quasi_identifiers for o in outputs
    ):
        raise ValueError("released quasi-identifier columns would clash with other columns")

    max_outliers = math.floor(max_suppression * persons + 1e-9)
    notes: list[str] = []
    if persons == 0:
        search = _Search(tuple(0 for _ in variables), 0, 0.0, 0, 0, True)
    else:
        search = _search(variables, k, max_outliers, persons)
    if persons and persons < k:
        notes.append(f"Fewer persons ({persons}) than k = {k}: nothing can be released.")
    elif persons and not search.feasible:
        notes.append(
            f"No recoding reaches k = {k} with at most {max_suppression:.1%} of persons "
            "suppressed; everything is generalised and the remaining small classes dropped."
        )
    node = search.node

    cells = _Cells.at(variables, node)
    dropped = _blank_outliers(cells, variables, node, k)
    persons_dropped_for_l = 0
    l_reached: int | None = None
    if l is not None and sensitive is not None:
        persons_dropped_for_l = _enforce_l_diversity(
            df, cells, dropped, person_codes, k, l, sensitive, wave_column
        )
    codes, blanked = cells.codes, cells.blanked

    # Final classes, checked: the guarantee must hold whatever the heuristics did.
    kept = ~dropped
    final_key = cells.keys()
    kept_ids, _ = _group(final_key[kept])
    class_sizes = np.bincount(kept_ids) if kept_ids.size else np.zeros(0, dtype=np.int64)
    if class_sizes.size and int(class_sizes.min()) < k:
        raise RuntimeError("internal error: a released class is smaller than k")
    k_reached = int(class_sizes.min()) if class_sizes.size else None

    row_kept = kept[person_codes] if rows_in else np.zeros(0, dtype=bool)
    if l is not None and sensitive is not None and class_sizes.size:
        _, per_class, _ = _class_distinct(df, final_key, kept, person_codes, sensitive,
                                          wave_column)
        l_reached = int(per_class.min())
        if l_reached < l:
            raise RuntimeError("internal error: a released class is not l-diverse")

    frame = _release(df, variables, node, codes, person_codes, row_kept)
    persons_released = int(kept.sum())
    rows_released = int(row_kept.sum())
    blanked_by_variable = {
        v.output: int((blanked[q] & kept).sum()) for q, v in enumerate(variables)
    }
    any_blank = np.zeros(persons, dtype=bool)
    for b in blanked:
        any_blank |= b
    any_blank &= kept
    n_classes = int(class_sizes.size)
    report = DisclosureReport(
        k_requested=k,
        k_reached=k_reached,
        l_requested=l,
        l_reached=l_reached,
        sensitive=sensitive,
        quasi_identifiers=quasi_identifiers,
        recodings=[
            Recoding(v.output, v.source, lv, v.level_names[lv], v.top + 1)
            for v, lv in zip(variables, node, strict=True)
        ],
        max_suppression=max_suppression,
        persons_in=persons,
        rows_in=rows_in,
        persons_released=persons_released,
        rows_released=rows_released,
        persons_suppressed=persons - persons_released,
        rows_suppressed=rows_in - rows_released,
        persons_with_blanked_cells=int(any_blank.sum()),
        cells_blanked=sum(blanked_by_variable.values()),
        cells_blanked_by_variable=blanked_by_variable,
        rows_with_blanked_cells=int(rows_per_person[any_blank].sum()),
        persons_suppressed_for_l=persons_dropped_for_l,
        equivalence_classes=n_classes,
        generalisation_loss=round(search.generalisation_loss, 6),
        outlier_share=round(search.outliers / persons, 6) if persons else 0.0,
        information_loss=round(
            search.generalisation_loss + (search.outliers / persons if persons else 0.0), 6
        ),
        discernibility=int((class_sizes.astype(np.int64) ** 2).sum())
        + (persons - persons_released) * persons,
        average_class_size=round(persons_released / n_classes, 3) if n_classes else None,
        normalised_average_class_size=(
            round(persons_released / n_classes / k, 3) if n_classes else None
        ),
        lattice_nodes=search.nodes,
        lattice_nodes_evaluated=search.evaluated,
        notes=notes,
    )
    return AnonymisationResult(frame, report)


def _validate(
    df: pd.DataFrame,
    quasi_identifiers: list[str],
    hierarchies: Mapping[str, Hierarchy],
    weights: Mapping[str, float],
    k: int,
    person_column: str,
    max_suppression: float,
    sensitive: str | None,
    l: int | None,  # noqa: E741
    wave_column: str | None,
) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError("k must be an integer")
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    if not 0 <= max_suppression < 1:
        raise ValueError("max_suppression must be a share in [0, 1)")
    if not quasi_identifiers:
        raise ValueError("declare at least one quasi-identifier")
    if len(set(quasi_identifiers)) != len(quasi_identifiers):
        raise ValueError("a quasi-identifier is declared twice")
    missing = [c for c in [person_column, *quasi_identifiers] if c not in df.columns]
    if missing:
        raise ValueError(f"columns not in the frame: {', '.join(map(str, missing))}")
    if person_column in quasi_identifiers:
        raise ValueError("the person column cannot be a quasi-identifier")
    unknown = [c for c in [*hierarchies, *weights] if c not in quasi_identifiers]
    if unknown:
        raise ValueError(f"hierarchies or weights for undeclared columns: {', '.join(unknown)}")
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative numbers")
    if sum(weights.get(q, 1.0) for q in quasi_identifiers) <= 0:
        raise ValueError("at least one quasi-identifier needs a positive weight")
    if (sensitive is None) != (l is None):
        raise ValueError("l-diversity needs both a sensitive column and l")
    if l is not None:
        if isinstance(l, bool) or not isinstance(l, int | np.integer) or l < 2:
            raise ValueError("l must be an integer of at least 2")
        if sensitive not in df.columns:
            raise ValueError(f"sensitive column {sensitive!r} is not in the frame")
        if sensitive in quasi_identifiers or sensitive == person_column:
            raise ValueError("the sensitive column cannot be a quasi-identifier")
    if wave_column is not None and wave_column not in df.columns:
        raise ValueError(f"wave column {wave_column!r} is not in the frame")


def _l_groups(
    df: pd.DataFrame,
    class_of_row: IntArray,
    row_mask: npt.NDArray[np.bool_],
    wave_column: str | None,
) -> tuple[IntArray, IntArray]:
    """Group id per kept row (class, or class × wave) and the class of every group."""
    classes = class_of_row[row_mask]
    if wave_column is None:
        return classes, np.arange(int(classes.max()) + 1 if classes.size else 0)
    waves, _ = pd.factorize(df[wave_column].to_numpy()[row_mask], use_na_sentinel=False)
    group, first = _group(classes * (int(waves.max()) + 1 if waves.size else 1) + waves)
    return group, classes[first]


def _class_distinct(
    df: pd.DataFrame,
    key: IntArray,
    persons_mask: npt.NDArray[np.bool_],
    person_codes: IntArray,
    sensitive: str,
    wave_column: str | None,
) -> tuple[IntArray, IntArray, IntArray]:
    """For the persons in the mask: class id per person (-1 outside), and the smallest
    number of distinct sensitive values per class (over its rows or its waves)."""
    class_of_person = np.full(len(key), -1, dtype=np.int64)
    ids, _ = _group(key[persons_mask])
    class_of_person[persons_mask] = ids
    n_classes = int(ids.max()) + 1 if ids.size else 0
    row_mask = persons_mask[person_codes]
    values, _ = pd.factorize(df[sensitive].to_numpy()[row_mask], use_na_sentinel=True)
    group, class_of_group = _l_groups(df, class_of_person[person_codes], row_mask, wave_column)
    distinct = _distinct_per_group(group, values.astype(np.int64), len(class_of_group))
    per_class = np.full(n_classes, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(per_class, class_of_group, distinct)
    return class_of_person, per_class, ids


def _enforce_l_diversity(
    df: pd.DataFrame,
    cells: _Cells,
    dropped: npt.NDArray[np.bool_],
    person_codes: IntArray,
    k: int,
    l: int,  # noqa: E741
    sensitive: str,
    wave_column: str | None,
) -> int:
    """Blank every cell of the classes that are not l-diverse, then drop the all-"*" class
    if it fails k or l (only the persons blanked here, if it was fine without them).
    Modifies ``cells`` and ``dropped``; returns the number of persons dropped here."""
    kept = ~dropped
    if not kept.any():
        return 0
    key = cells.keys()
    class_of_person, per_class, _ = _class_distinct(df, key, kept, person_codes, sensitive,
                                                    wave_column)
    failing = kept & (per_class[np.maximum(class_of_person, 0)] < l)
    if not failing.any():
        return 0
    star_key = cells.star_key()
    before = kept & ~failing & (key == star_key)
    cells.blank(failing, range(len(cells.codes)))
    in_star = kept & (cells.keys() == star_key)

    def acceptable(mask: npt.NDArray[np.bool_]) -> bool:
        if int(mask.sum()) < k:
            return False
        _, distinct, _ = _class_distinct(df, np.zeros(len(mask), np.int64), mask,
                                         person_codes, sensitive, wave_column)
        return bool(distinct.size and distinct[0] >= l)

    if acceptable(in_star):
        return 0
    to_drop = in_star & ~before if acceptable(before) else in_star
    dropped[to_drop] = True
    return int(to_drop.sum())


def _display_order(label: str) -> tuple[bool, float, str]:
    match = _LEADING_NUMBER.match(label)
    return label == SUPPRESSED, float(match.group()) if match else math.inf, label


def _release(
    df: pd.DataFrame,
    variables: list[_Variable],
    node: tuple[int, ...],
    codes: list[IntArray],
    person_codes: IntArray,
    row_kept: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    # take() returns an independent frame (no copy-of-a-slice warnings for the caller)
    # without consolidating every column into one block, which would copy them again.
    frame = df.take(np.flatnonzero(row_kept))
    kept_persons = person_codes[row_kept]
    for v, lv, c in zip(variables, node, codes, strict=True):
        labels = list(v.categories[lv])
        if lv < v.top:
            labels.append(SUPPRESSED)
        # Categories sorted for the reader ("*" last, age bands by number); missing values
        # cannot be categories, they get code -1.
        present = sorted((i for i, x in enumerate(labels) if not pd.isna(x)),
                         key=lambda i: _display_order(str(labels[i])))
        remap = np.full(len(labels), -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        categories = [str(labels[i]) for i in present]
        values = pd.Categorical.from_codes(remap[c[kept_persons]], categories=categories)
        position = frame.columns.get_loc(v.source)
        del frame[v.source]
        frame.insert(int(position), v.output, values)
    return frame
