"""The web portal (Litestar) — arrives with the web issue."""
