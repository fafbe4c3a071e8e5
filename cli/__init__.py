"""The command line: `kg index`, `kg search`, `kg ask`, `kg serve` and the rest."""
