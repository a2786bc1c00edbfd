"""What an attacker can work out from a table with suppressed cells, by linear programming.

The attacker sees every published (not suppressed) cell, knows every additivity
constraint of the table and knows that counts are non-negative. For each suppressed cell
the values consistent with all that form an interval ``[lower, upper]`` (the feasible set
is a polyhedron, its projection on one cell is an interval); its ends are two linear
programmes, solved with HiGHS (``highspy``).

**How it is computed.** Published cells are constants, so only suppressed cells are LP
variables, and the constraints split into independent connected components that are
solved separately. Solving two LPs per cell is exact but slow on big tables, so by default
the model first looks for *witnesses*: every LP solution is a table the attacker cannot
rule out, and if two such tables differ by at least the required width in a cell, that
cell is certified safe without its own LPs. A few joint LPs (push all uncertified
sensitive cells down together, then up together) certify most cells; the rest get their
own exact ``min``/``max`` LPs. A cell left short always has its exact interval. With
``exact=True`` every suppressed cell gets its exact interval (slower; for tests and for
showing the intervals). :class:`AttackerModel` keeps the LPs and witnesses in memory so
that the suppression solver can try publishing cells one at a time cheaply.

Modules, lowest first: :mod:`~mrc.privacy.attacker.lp` (the HiGHS engine,
:class:`LinearProgram`, also used by the suppression solver),
:mod:`~mrc.privacy.attacker.witnesses` (one component's LP and witnesses) and
:mod:`~mrc.privacy.attacker.model` (:class:`AttackerModel`, all components of a pattern).
Nothing here knows about tables or thresholds: cells are arrays of values and ``need``
(the width each cell must reach).
"""

from mrc.privacy.attacker.lp import (
    TOLERANCE,
    FloatArray,
    LinearProgram,
    constraint_rows,
    new_highs,
)
from mrc.privacy.attacker.model import AttackerModel, attacker_intervals

__all__ = [
    "TOLERANCE",
    "AttackerModel",
    "FloatArray",
    "LinearProgram",
    "attacker_intervals",
    "constraint_rows",
    "new_highs",
]
