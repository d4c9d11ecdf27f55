"""Session storage: SQLite in the user data dir, written through as a conversation happens."""
