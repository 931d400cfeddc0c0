"""Infrastructure the entrances share: the database engine and its binding, sessions, the
principal middleware and guards, mail, Piccolo's configuration module. Nothing here knows a
resource, a page or a command."""
