"""Thin Celery tasks for reports: ids in, one plain function call."""

from celery import shared_task

from . import bulletins


@shared_task(acks_late=True)
def bulletins_generate_due() -> list[int]:
    return bulletins.bulletins_generate_due()
