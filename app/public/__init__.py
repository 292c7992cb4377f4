"""The public face: status lookup by tracking number (API and the `/lacak` page)."""
