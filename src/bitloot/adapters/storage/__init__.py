"""Object storage for sealed blobs."""
