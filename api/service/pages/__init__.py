"""French pages served by the API (Jinja2 templates in api/service/templates/pages)."""
