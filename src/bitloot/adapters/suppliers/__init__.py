"""Key suppliers: own stock (`own_stock`) and, in production, Kinguin (`kinguin/`)."""
