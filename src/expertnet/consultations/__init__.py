"""The consultation desk: requests, routing, offers, tickets, messages, opinions, attachments."""
