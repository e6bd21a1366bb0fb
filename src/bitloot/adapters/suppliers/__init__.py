"""Key suppliers: own stock and, in production, Kinguin."""
