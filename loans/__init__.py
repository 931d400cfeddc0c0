"""Borrowers, loans and their lifecycle, agreements, campaigns (issue 4 onward)."""
