"""Pure privacy functions: no Flask, no database. Everything that decides what may leave
the system, or how personal data is protected at rest, lives here."""
