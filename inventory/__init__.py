"""The fleet: regions, establishments, device models, assets and their history."""
