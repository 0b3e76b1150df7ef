"""Files people hand us and files we hand back: lot spreadsheets in, results protocols out."""
