"""A signal's sparkline: its weekly shares as the points of a tiny inline SVG (drawn by the
``sparkline`` macro of ``templates/trends/signals.html``: no script, a few hundred bytes).
A suppressed week is a gap; the last week has a dot. In right-to-left pages time runs from
right to left, as in the dashboard's charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 120, 28, 3


@dataclass(frozen=True)
class Sparkline:
    label: str
    runs: list[str]  # "x,y x,y …" of each unbroken stretch of weeks
    dot: tuple[str, str] | None  # the last week, when published
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(shares: Sequence[float | None], label: str, rtl: bool = False) -> Sparkline:
    known = [s for s in shares if s is not None]
    top = max(known, default=0.0) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(shares) - 1, 1)

    def point(i: int, share: float) -> tuple[str, str]:
        x = PAD + step * i
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * share / top
        return f"{(WIDTH - x if rtl else x):.1f}", f"{y:.1f}"

    runs: list[list[tuple[str, str]]] = [[]]
    for i, share in enumerate(shares):
        if share is None:
            runs.append([])
        else:
            runs[-1].append(point(i, share))
    last = shares[-1] if shares else None
    return Sparkline(label=label,
                     runs=[" ".join(f"{x},{y}" for x, y in run) for run in runs if len(run) > 1],
                     dot=point(len(shares) - 1, last) if last is not None else None)
