"""In-app notifications and e-mail, delivered through the transactional outbox."""
