"""k-anonymity (and optionally distinct l-diversity) for longitudinal evaluator panels.

The input is a long-format panel: one row per person and wave. The quasi-identifiers
(sex, birth year, province, nationality, migrant status, education, site…) are baseline
covariates, constant per person, so anonymity is counted in **persons**, not rows: every
combination of released quasi-identifier values (an *equivalence class*) is shared by at
least ``k`` distinct persons.

How it gets there, in order (:func:`anonymise`):

1. **Global recoding** (:mod:`.lattice`). Every quasi-identifier has a generalisation
   hierarchy (:mod:`.hierarchies`: a list of levels, each a coarsening of the one before,
   always ending in *suppressed*, "*"): age from the birth year in 5-year bands → 10-year
   bands → "*"; province → country → "*"; any other variable as recorded → "*" unless a
   hierarchy is supplied. The lattice of all combinations of levels is searched bottom-up
   and the node with the least information loss is chosen among those that leave at most
   ``max_suppression`` of the persons in classes smaller than ``k``. The loss of a node is
   its *generalisation loss* (the weighted mean over the quasi-identifiers of
   level / top level, 0 = as recorded, 1 = everything suppressed) plus the share of
   persons left in too-small classes.
2. **Local suppression by blanking cells** (:mod:`.blanking`). The persons still in
   classes smaller than ``k`` (the *outliers*) get some of their quasi-identifier cells
   set to "*" so that they join a class of at least ``k`` persons: the sets of variables
   tried are the smallest first, the least important (lowest weight) first. Outliers that
   cannot reach ``k`` even with every cell blanked are **dropped** (all their rows).
   Blanking keeps their outcome data in the panel.
3. **Distinct l-diversity** (optional, :mod:`.diversity`): classes where the sensitive
   variable has fewer than ``l`` distinct values get all their cells blanked; if the
   all-"*" class then fails ``k`` or ``l``, its persons are dropped.

"*" is treated as a value of its own, never as a wildcard: a blanked cell only matches
other blanked cells. That is the conservative reading (a blanked record does not count
towards the classes it could belong to) and the one ``pycanon`` and other checkers use, so
the released frame is k-anonymous by plain equality of its quasi-identifier columns.
Missing values are a category of their own, too.

The released frame keeps the input's rows (of the persons not dropped), index and other
columns unchanged; each quasi-identifier column becomes a pandas categorical of text labels
(categories sorted, "*" last), and a hierarchy may rename it (birth year → ``age``).
The :class:`DisclosureReport` (:mod:`.report`) says what was recoded, blanked and dropped,
and renders as a dict, JSON or a Markdown section for the export's README. For
l-diversity, missing sensitive values do not count as a distinct value.

Everything is vectorised (NumPy / pandas): the only Python loops run over lattice nodes,
quasi-identifiers and suppression patterns, never over rows.

Import the names below from this package; the modules' other names are internal.
"""

from mrc.privacy.kanonymity.anonymisation import (
    DEFAULT_K,
    DEFAULT_MAX_SUPPRESSION,
    MIN_K,
    anonymise,
)
from mrc.privacy.kanonymity.encoding import IntArray
from mrc.privacy.kanonymity.hierarchies import (
    SUPPRESSED,
    SUPPRESSED_LEVEL,
    AgeBands,
    Hierarchy,
    Labels,
    MappingHierarchy,
    Step,
    as_text,
    keep,
    province_hierarchy,
)
from mrc.privacy.kanonymity.lattice import MAX_LATTICE_NODES
from mrc.privacy.kanonymity.report import AnonymisationResult, DisclosureReport, Recoding

__all__ = [
    "DEFAULT_K",
    "DEFAULT_MAX_SUPPRESSION",
    "MAX_LATTICE_NODES",
    "MIN_K",
    "SUPPRESSED",
    "SUPPRESSED_LEVEL",
    "AgeBands",
    "AnonymisationResult",
    "DisclosureReport",
    "Hierarchy",
    "IntArray",
    "Labels",
    "MappingHierarchy",
    "Recoding",
    "Step",
    "anonymise",
    "as_text",
    "keep",
    "province_hierarchy",
]
