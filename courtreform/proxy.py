"""The client's address when the app sits behind nginx.

Behind a reverse proxy REMOTE_ADDR is the proxy, so django-axes would count every failed login
of the whole court against one address and lock everybody out together. Each trusted proxy
appends the address it saw to X-Forwarded-For; with TRUSTED_PROXY_COUNT=N the client is the N-th
entry from the right. Entries further left were written by the client and are not trusted.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
