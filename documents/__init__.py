"""Documents the platform generates: contracts (Jinja2 text → reportlab PDF)."""
