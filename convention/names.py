"""Usernames and pseudonyms that cannot impersonate or hide.

``skeleton`` follows the idea of Unicode TR39 §4: two names whose skeletons are equal look alike
and must not both exist. The confusable classes come from Unicode's confusables data as shipped by
``confusable-homoglyphs``; each class is mapped to one representative, after NFKC and case folding.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Map every character of a confusable class to the class's smallest member."""
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for char, glyphs in confusables.confusables_data.items():
        for glyph in glyphs:
            a, b = find(char), find(glyph["c"])
            if a != b:
                lo, hi = sorted((a, b))
                parent[hi] = lo
    return {c: find(c) for c in parent if len(c) == 1}


def skeleton(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    table = _prototypes()
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in folded))
