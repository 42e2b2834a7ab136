"""API tokens for other systems: created once (the raw token is shown only then), hashed at rest,
revocable, with the last-used time kept to the minute."""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from .models import ApiToken, Court, User

TOKEN_PREFIX = "zgt_"
# Sent with ``ids`` (the tokens just revoked), inside the revoking transaction.
api_tokens_revoked = Signal()
# last_used_at is written at most this often per token, so a busy integration costs no write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, name: str, court: Court, acting_user: User, created_by: User | None) -> tuple[ApiToken, str]:
    """Returns the stored token and the raw token, which is not kept anywhere and cannot be shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name, court=court, acting_user=acting_user, created_by=created_by,
        key_hash=token_hash(raw), key_prefix=raw[: len(TOKEN_PREFIX) + 4],
    )
    token.full_clean(exclude=["key_hash", "key_prefix"])
    token.save()
    return token, raw


def api_tokens_revoke(*, tokens: QuerySet[ApiToken]) -> int:
    """Idempotent: a token already revoked keeps its first revocation time. Announces the tokens it
    revoked (``api_tokens_revoked``; the audit log records them)."""
    with transaction.atomic():
        ids = list(tokens.filter(revoked_at__isnull=True).select_for_update().values_list("pk", flat=True))
        revoked = ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        if ids:
            api_tokens_revoked.send(sender=ApiToken, ids=ids)
    return revoked


def api_token_for(raw: str) -> ApiToken | None:
    """The active token with this value and its acting user, or None."""
    return (
        ApiToken.objects.select_related("acting_user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )


def api_token_touch(token: ApiToken) -> None:
    """Record use at most once a minute. A token read with a use in the last minute costs nothing;
    otherwise the conditional UPDATE is the throttle, so concurrent requests write once between them."""
    now = timezone.now()
    if token.last_used_at is not None and token.last_used_at >= now - LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION), pk=token.pk
    ).update(last_used_at=now)
