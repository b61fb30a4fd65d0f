"""Deliberation: sessions, rooms, posts, moderation, live updates and proposals."""
