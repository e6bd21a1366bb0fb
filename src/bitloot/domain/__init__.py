"""BitLoot's domain: entities, value objects and rules. Imports only the standard library."""
