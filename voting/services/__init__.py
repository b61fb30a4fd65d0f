"""Election actions, one module per concern; each public function owns its transaction."""
