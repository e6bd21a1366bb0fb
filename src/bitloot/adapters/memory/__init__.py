"""In-memory adapters: fakes that really behave, for unit tests (and kept honest by the contract suites)."""
