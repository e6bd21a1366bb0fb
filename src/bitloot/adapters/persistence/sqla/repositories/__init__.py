"""A repository module per port, each with the mapping between its rows and the domain's objects."""
