"""Actions that change convention state: one function per use case, each owning its transaction."""
