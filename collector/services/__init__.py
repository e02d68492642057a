"""Use cases: each public function owns its transaction and commits once."""
