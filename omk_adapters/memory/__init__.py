"""First-class in-memory adapters: real classes used by tests, BDD and quick demos."""
