"""Convention views, one module per audience: accounts, registrars, organizers, observers."""
