"""Secretariat tools: coverage of the network and the audit log viewer."""
