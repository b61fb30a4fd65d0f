"""Forms of the convention app, one module per audience."""
