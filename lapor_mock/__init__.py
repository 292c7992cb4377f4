"""A mock of national LAPOR: one in-memory implementation, served by respx or by uvicorn."""
