"""Identity: organisations, users, the acting principal and the one authorisation policy."""
