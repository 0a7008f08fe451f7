"""The edges users touch: the command line and the FastAPI service with its pages."""
