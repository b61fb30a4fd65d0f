"""Celery tasks of deliberation: thin wrappers around services, idempotent and safe to retry."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="deliberation.analyse_conversation")
def analyse_conversation(conversation_id: int) -> int:
    """Recompute a conversation's opinion map (debounced by ``schedule_analysis``); returns
    the cached map's version."""
    from deliberation.services.conversations import refresh_analysis

    cached = refresh_analysis(conversation_id)
    return cached.version if cached is not None else 0
