"""The opinion map's analysis: pure numpy, no Django, no I/O (docs/deliberation.md)."""
