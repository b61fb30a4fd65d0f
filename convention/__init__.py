"""The convention: its people, roles, invitations, sessions and audit log."""
