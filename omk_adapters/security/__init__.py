"""Security primitives: the Argon2id password hasher, one-time code generation and TOTP (pyotp + segno)."""
