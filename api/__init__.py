"""The entrances: HTTP API, HTML pages and CLI. Nothing imports this package."""
