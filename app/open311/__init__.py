"""Open311 GeoReport v2 at `/open311/v2/` (plus mySociety's `servicerequestupdates`)."""
