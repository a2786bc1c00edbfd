"""``anonymise()``: a long-format panel made k-anonymous (and l-diverse), counted in persons.

The steps, in order: encode the quasi-identifiers per person
(:mod:`~mrc.privacy.kanonymity.encoding`), choose a global recoding
(:mod:`~mrc.privacy.kanonymity.lattice`), blank cells of the remaining outliers
(:mod:`~mrc.privacy.kanonymity.blanking`), enforce l-diversity if asked
(:mod:`~mrc.privacy.kanonymity.diversity`), check the final classes, then release the frame
and describe it (:mod:`~mrc.privacy.kanonymity.report`).

Guarantee: in the returned frame every combination of the released quasi-identifier values
is shared by at least ``k`` distinct persons (and is l-diverse if asked), or the frame is
empty; the final classes are checked here whatever the heuristics did. The frame keeps the
input's rows (of the persons not dropped), index and other columns unchanged; each
quasi-identifier column becomes a pandas categorical of text labels (categories sorted,
"*" last).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from mrc.privacy.kanonymity.blanking import Cells, blank_outliers
from mrc.privacy.kanonymity.diversity import class_distinct, enforce_l_diversity
from mrc.privacy.kanonymity.encoding import IntArray, Variable, encode, group_ids
from mrc.privacy.kanonymity.hierarchies import SUPPRESSED, Hierarchy, keep
from mrc.privacy.kanonymity.lattice import SearchResult, search_lattice
from mrc.privacy.kanonymity.report import AnonymisationResult, DisclosureReport, Recoding

MIN_K = 3
DEFAULT_K = 5
DEFAULT_MAX_SUPPRESSION = 0.05
_LEADING_NUMBER = re.compile(r"-?\d+")


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
    persons = _Persons.of(df, person_column)
    variables = _variables(df, quasi_identifiers, hierarchies, weights, persons)
    search, notes = _recoding(variables, k, max_suppression, persons.count)
    node = search.node

    cells = Cells.at(variables, node)
    dropped = blank_outliers(cells, variables, node, k)
    persons_dropped_for_l = 0
    if l is not None and sensitive is not None:
        persons_dropped_for_l = enforce_l_diversity(
            df, cells, dropped, persons.codes, k, l, sensitive, wave_column
        )

    # Final classes, checked: the guarantee must hold whatever the heuristics did.
    kept = ~dropped
    final_key = cells.keys()
    kept_ids, _ = group_ids(final_key[kept])
    class_sizes = np.bincount(kept_ids) if kept_ids.size else np.zeros(0, dtype=np.int64)
    if class_sizes.size and int(class_sizes.min()) < k:
        raise RuntimeError("internal error: a released class is smaller than k")
    row_kept = kept[persons.codes] if persons.rows else np.zeros(0, dtype=bool)
    l_reached: int | None = None
    if l is not None and sensitive is not None and class_sizes.size:
        _, per_class, _ = class_distinct(df, final_key, kept, persons.codes, sensitive,
                                         wave_column)
        l_reached = int(per_class.min())
        if l_reached < l:
            raise RuntimeError("internal error: a released class is not l-diverse")

    frame = _release(df, variables, node, cells.codes, persons.codes, row_kept)
    outcome = _Outcome(kept, row_kept, cells.blanked, class_sizes, l_reached,
                       persons_dropped_for_l)
    report = _report(
        k=k, l=l, sensitive=sensitive, quasi_identifiers=quasi_identifiers,
        max_suppression=max_suppression, variables=variables, search=search,
        persons=persons, outcome=outcome, notes=notes,
    )
    return AnonymisationResult(frame, report)


@dataclass
class _Persons:
    """The panel's persons: a code per row (0..count-1), each person's first row and
    number of rows."""

    codes: IntArray
    count: int
    rows: int
    first_rows: IntArray
    rows_per_person: IntArray

    @classmethod
    def of(cls, df: pd.DataFrame, person_column: str) -> _Persons:
        rows_in = len(df)
        person_codes, person_ids = pd.factorize(df[person_column], use_na_sentinel=True)
        if rows_in and int(person_codes.min()) < 0:
            raise ValueError(f"person column {person_column!r} has missing values")
        person_codes = person_codes.astype(np.int64)
        persons = len(person_ids)
        _, first_rows = group_ids(person_codes)
        rows_per_person = np.bincount(person_codes, minlength=persons)
        return cls(person_codes, persons, rows_in, first_rows, rows_per_person)


def _variables(
    df: pd.DataFrame,
    quasi_identifiers: list[str],
    hierarchies: Mapping[str, Hierarchy],
    weights: Mapping[str, float],
    persons: _Persons,
) -> list[Variable]:
    """Every quasi-identifier encoded; their released columns must not clash."""
    variables = [
        encode(df, q, hierarchies.get(q) or keep(), float(weights.get(q, 1.0)),
               persons.codes, persons.first_rows)
        for q in quasi_identifiers
    ]
    outputs = [v.output for v in variables]
    if len(set(outputs)) != len(outputs) or any(
        o in df.columns and o not in quasi_identifiers for o in outputs
    ):
        raise ValueError("released quasi-identifier columns would clash with other columns")
    return variables


def _recoding(
    variables: list[Variable], k: int, max_suppression: float, persons: int
) -> tuple[SearchResult, list[str]]:
    """The lattice node to release at, and notes for the report when k is out of reach."""
    max_outliers = math.floor(max_suppression * persons + 1e-9)
    notes: list[str] = []
    if persons == 0:
        search = SearchResult(tuple(0 for _ in variables), 0, 0.0, 0, 0, True)
    else:
        search = search_lattice(variables, k, max_outliers, persons)
    if persons and persons < k:
        notes.append(f"Fewer persons ({persons}) than k = {k}: nothing can be released.")
    elif persons and not search.feasible:
        notes.append(
            f"No recoding reaches k = {k} with at most {max_suppression:.1%} of persons "
            "suppressed; everything is generalised and the remaining small classes dropped."
        )
    return search, notes


@dataclass
class _Outcome:
    """Who and what is released: persons and rows kept, cells blanked, final classes."""

    kept: npt.NDArray[np.bool_]
    row_kept: npt.NDArray[np.bool_]
    blanked: list[npt.NDArray[np.bool_]]
    class_sizes: IntArray
    l_reached: int | None
    persons_dropped_for_l: int


def _report(
    *,
    k: int,
    l: int | None,  # noqa: E741
    sensitive: str | None,
    quasi_identifiers: list[str],
    max_suppression: float,
    variables: list[Variable],
    search: SearchResult,
    persons: _Persons,
    outcome: _Outcome,
    notes: list[str],
) -> DisclosureReport:
    kept, row_kept, blanked, class_sizes = (
        outcome.kept, outcome.row_kept, outcome.blanked, outcome.class_sizes
    )
    n_persons, rows_in = persons.count, persons.rows
    persons_released = int(kept.sum())
    rows_released = int(row_kept.sum())
    blanked_by_variable = {
        v.output: int((blanked[q] & kept).sum()) for q, v in enumerate(variables)
    }
    any_blank = np.zeros(n_persons, dtype=bool)
    for b in blanked:
        any_blank |= b
    any_blank &= kept
    n_classes = int(class_sizes.size)
    outlier_share = search.outliers / n_persons if n_persons else 0.0
    return DisclosureReport(
        k_requested=k,
        k_reached=int(class_sizes.min()) if class_sizes.size else None,
        l_requested=l,
        l_reached=outcome.l_reached,
        sensitive=sensitive,
        quasi_identifiers=quasi_identifiers,
        recodings=[
            Recoding(v.output, v.source, lv, v.level_names[lv], v.top + 1)
            for v, lv in zip(variables, search.node, strict=True)
        ],
        max_suppression=max_suppression,
        persons_in=n_persons,
        rows_in=rows_in,
        persons_released=persons_released,
        rows_released=rows_released,
        persons_suppressed=n_persons - persons_released,
        rows_suppressed=rows_in - rows_released,
        persons_with_blanked_cells=int(any_blank.sum()),
        cells_blanked=sum(blanked_by_variable.values()),
        cells_blanked_by_variable=blanked_by_variable,
        rows_with_blanked_cells=int(persons.rows_per_person[any_blank].sum()),
        persons_suppressed_for_l=outcome.persons_dropped_for_l,
        equivalence_classes=n_classes,
        generalisation_loss=round(search.generalisation_loss, 6),
        outlier_share=round(outlier_share, 6),
        information_loss=round(search.generalisation_loss + outlier_share, 6),
        discernibility=int((class_sizes.astype(np.int64) ** 2).sum())
        + (n_persons - persons_released) * n_persons,
        average_class_size=round(persons_released / n_classes, 3) if n_classes else None,
        normalised_average_class_size=(
            round(persons_released / n_classes / k, 3) if n_classes else None
        ),
        lattice_nodes=search.nodes,
        lattice_nodes_evaluated=search.evaluated,
        notes=notes,
    )


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
    """Reject bad arguments before any work, with a message naming the problem."""
    _validate_parameters(k, max_suppression)
    _validate_columns(df, quasi_identifiers, hierarchies, weights, person_column)
    _validate_weights(quasi_identifiers, weights)
    _validate_l_diversity(df, quasi_identifiers, person_column, sensitive, l)
    if wave_column is not None and wave_column not in df.columns:
        raise ValueError(f"wave column {wave_column!r} is not in the frame")


def _validate_parameters(k: int, max_suppression: float) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError("k must be an integer")
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    if not 0 <= max_suppression < 1:
        raise ValueError("max_suppression must be a share in [0, 1)")


def _validate_columns(
    df: pd.DataFrame,
    quasi_identifiers: list[str],
    hierarchies: Mapping[str, Hierarchy],
    weights: Mapping[str, float],
    person_column: str,
) -> None:
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


def _validate_weights(quasi_identifiers: list[str], weights: Mapping[str, float]) -> None:
    if any(not math.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("weights must be non-negative numbers")
    if sum(weights.get(q, 1.0) for q in quasi_identifiers) <= 0:
        raise ValueError("at least one quasi-identifier needs a positive weight")


def _validate_l_diversity(
    df: pd.DataFrame,
    quasi_identifiers: list[str],
    person_column: str,
    sensitive: str | None,
    l: int | None,  # noqa: E741
) -> None:
    if (sensitive is None) != (l is None):
        raise ValueError("l-diversity needs both a sensitive column and l")
    if l is not None:
        if isinstance(l, bool) or not isinstance(l, int | np.integer) or l < 2:
            raise ValueError("l must be an integer of at least 2")
        if sensitive not in df.columns:
            raise ValueError(f"sensitive column {sensitive!r} is not in the frame")
        if sensitive in quasi_identifiers or sensitive == person_column:
            raise ValueError("the sensitive column cannot be a quasi-identifier")


def _display_order(label: str) -> tuple[bool, float, str]:
    match = _LEADING_NUMBER.match(label)
    return label == SUPPRESSED, float(match.group()) if match else math.inf, label


def _release(
    df: pd.DataFrame,
    variables: list[Variable],
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
