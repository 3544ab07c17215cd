"""Use cases. Functions take keyword-only arguments, read and write rows through
the given session, and raise app.errors; they never commit."""
