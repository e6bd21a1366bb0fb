"""Rate limiter adapters: Redis (shared by every process) and in-process memory (embedded mode)."""
