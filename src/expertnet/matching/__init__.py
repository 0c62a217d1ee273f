"""Query understanding: the controlled multilingual vocabulary and what is built on it."""
