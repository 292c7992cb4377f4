"""The regency's dashboard at `/dashboard`: server-rendered HTML and SVG, in Bahasa Indonesia."""
