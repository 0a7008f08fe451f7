"""The web service: FastAPI app, auth, database, routes, pages and planning jobs."""
