"""The bounds of every scenario key: declared once, in the field, and stated in its description.

Every number a scenario sets has a lower and an upper bound, every list and table a most
entries and every text a most characters (issue 16). The maxima sit generously above the
provider's real use (~300 clinicians, 10 units, ~4,000 return visits a month; Sweden has 21
counties and 290 kommuner) and low enough that each planner stays within memory and time on
a 2-core, 24 GiB machine. :func:`bounded` puts a number's bounds in the field's constraints
(``ge``/``gt``/``le``/``lt``, what pydantic checks and what tests read from
``model_fields``) and appends them to its description, so the model documents them; infinity
and NaN are refused everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints
from pydantic_core import PydanticUndefined

#: Seconds any planner (or a pass of one) may be given: one hour.
MAX_TIME_LIMIT_S = 3600
#: The largest seed PostgreSQL's ``integer`` column holds (2^31 - 1).
MAX_SEED = 2**31 - 1
#: Characters in a place name (Sweden's longest locality names are under 40).
MAX_PLACE_CHARS = 100
#: Place names in a list of places (extra candidate sites, fixed clinics).
MAX_PLACES = 500
#: Hubs of the spirometer routes.
MAX_HUBS = 50
#: Sweden's counties: a list or table keyed by county has at most one entry per county.
MAX_COUNTIES = 21
#: Sweden's kommuner.
MAX_KOMMUNER = 290

#: A place name: a locality, a kommun or a 4-digit kommun code (resolved by ``check_places``).
PlaceName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PLACE_CHARS)]


def number_text(value: float) -> str:
    """``3600`` as ``3,600``, ``0.5`` as ``0.5``: how a bound reads in a description."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


def bounded(
    default: Any = PydanticUndefined,
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    description: str | None = None,
    **kwargs: Any,
) -> Any:
    """A numeric scenario key: its bounds as constraints, stated at the end of its description.

    Exactly one lower (``ge``/``gt``) and one upper (``le``/``lt``) bound are required: a key
    without a maximum is the bug this guards against. Floats refuse ``inf`` and ``nan``.
    """
    if (ge is None) == (gt is None) or (le is None) == (lt is None):
        raise TypeError("a scenario number needs exactly one lower and one upper bound")
    low = f"at least {number_text(ge)}" if ge is not None else f"above {number_text(gt)}"  # type: ignore[arg-type]
    high = f"at most {number_text(le)}" if le is not None else f"below {number_text(lt)}"  # type: ignore[arg-type]
    text = f"{description.rstrip()} " if description else ""
    return Field(
        default,
        ge=ge,
        gt=gt,
        le=le,
        lt=lt,
        description=f"{text}Range: {low}, {high}.",
        allow_inf_nan=False,  # pydantic ignores it on an int
        **kwargs,
    )


def listed(
    most: int, description: str | None = None, *, what: str = "entries", **kwargs: Any
) -> Any:
    """A list or table key with at most ``most`` entries, stated at the end of its description."""
    text = f"{description.rstrip()} " if description else ""
    return Field(max_length=most, description=f"{text}At most {most:,} {what}.", **kwargs)
