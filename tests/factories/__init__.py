"""Test data from polyfactory: the domain entities (`domain`) and the HTTP request bodies (`http`).

Every factory builds a valid object (the domain's invariants hold: SKU and name lengths, money with at
most 8 places in one currency per order, quantities 1 to 20) and fills what a test does not name from
one seeded random source, reseeded before each test (`reseed`, an autouse fixture in tests/conftest.py),
so a test sees the same data alone or in the whole run. Ids come from the domain's own `new_id`: the
stores rely on ids being unique (and time-ordered) across the tests that share a database."""
