"""Actions that change deliberation state: one function per use case, each owning its
transaction. Views, management commands, tests and the benchmark all call these."""
