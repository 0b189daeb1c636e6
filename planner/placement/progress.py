"""How a placement solve reports progress: one callback type, and its mapping onto sub-steps."""

from __future__ import annotations

from collections.abc import Callable

#: ``on_progress(fraction, message)``: fraction in [0, 1] of the whole solve (None: unknown).
ProgressCallback = Callable[[float | None, str], None]


def scaled(
    on_progress: ProgressCallback | None, low: float, high: float
) -> ProgressCallback | None:
    """Map a sub-step's progress in [0, 1] onto [low, high] of the whole solve."""
    if on_progress is None:
        return None

    def report(fraction: float | None, message: str) -> None:
        on_progress(None if fraction is None else low + (high - low) * fraction, message)

    return report
