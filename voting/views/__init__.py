"""Election views, one module per audience: the public (pages and JSON feeds), the anonymous
ballot box, and signed-in members (voters, trustees, organizers)."""
