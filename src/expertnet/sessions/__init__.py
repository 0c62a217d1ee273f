"""Page sessions that follow the work: sliding expiry with an absolute cap, and forms kept when
they are posted after the session ended (restored after signing in again)."""
