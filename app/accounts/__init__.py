"""Officials' accounts: Argon2id passwords, rate-limited sign-in, server-side sessions."""
