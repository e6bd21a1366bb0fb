"""Customer emails."""
