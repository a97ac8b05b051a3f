"""Each provider's deliberate deviations, one module per provider, each with a DEVIANTS list."""
