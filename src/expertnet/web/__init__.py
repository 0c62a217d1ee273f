"""Server-rendered pages (Jinja2 + htmx) that call the same services as the JSON API."""
