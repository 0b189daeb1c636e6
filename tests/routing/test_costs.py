"""How the routing library writes money and shares into its notes."""

from __future__ import annotations


def test_notes_write_money_and_shares_as_the_pages_do() -> None:
    """The library's notes match the planner's pages: a space between thousands, a decimal
    comma, a space before the per cent sign."""
    from routing.costs import sek, share_text

    assert sek(1250.4) == "1 250 SEK" and sek(96895.11) == "96 895 SEK" and sek(12) == "12 SEK"
    assert share_text(0.9526) == "95,3 %" and share_text(1.0) == "100,0 %"
