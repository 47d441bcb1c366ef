"""Sign-in with a password, with a limit on failed attempts per account and per client address.

The dashboard's sign-in (`POST /api/v1/auth/session/`) and the admin's (`/admin/login/`) both
check passwords through `authenticate` here. Each attempt takes one token from two buckets in
Redis, the account's (by username, whether or not it exists) and the client address's (an IPv6
address by its /64, which one client easily has whole); a successful attempt gives them back, so
that only failures spend them. A bucket holds SKYLIFT_SIGNIN_ACCOUNT_FAILURES (resp.
SKYLIFT_SIGNIN_ADDRESS_FAILURES) tokens and earns that many back evenly over
SKYLIFT_SIGNIN_WINDOW seconds. While either is empty every attempt is refused, the right password
included, with the seconds to wait: 429 and Retry-After for the API, a form error (and 429) for
the admin. Tokens are taken before the password is checked, so concurrent guesses cannot pass the
limit either.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import time

import redis
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate as django_authenticate
from django.core.exceptions import ValidationError

from config.errors import REDIS_DOWN

__all__ = ["AdminLoginForm", "SignInThrottled", "admin_login", "authenticate"]

# KEYS: the buckets. ARGV: now, 1 to give a token back (else take one), then each bucket's rate
# (tokens per second) and size. Returns 0 when done, else the whole seconds until every bucket
# has a token again, having taken none.
BUCKETS_SCRIPT = """
local now, give = tonumber(ARGV[1]), ARGV[2] == '1'
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
  local rate, size = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1]) or size
  local at = tonumber(state[2]) or now
  tokens = math.min(size, tokens + math.max(0, now - at) * rate)
  if not give and tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) / rate)) end
  levels[i] = tokens
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local rate, size = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local tokens = levels[i] - 1
  if give then tokens = math.min(size, levels[i] + 1) end
  redis.call('HSET', key, 'tokens', tokens, 'at', now)
  redis.call('EXPIRE', key, math.ceil(size / rate) + 60)
end
return 0
"""

KEY_PREFIX = "skylift:signin:"


class SignInThrottled(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            "Too many failed sign-in attempts for this account or from this address; "
            f"try again in {retry_after} seconds."
        )


@functools.cache
def _script():
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return client.register_script(BUCKETS_SCRIPT)


def _address(request) -> str:
    try:
        ip = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "")
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _buckets(request, username: str) -> tuple[list[str], list[float]]:
    account = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    window = settings.SKYLIFT_SIGNIN_WINDOW
    sizes = [settings.SKYLIFT_SIGNIN_ACCOUNT_FAILURES, settings.SKYLIFT_SIGNIN_ADDRESS_FAILURES]
    keys = [f"{KEY_PREFIX}account:{account}", f"{KEY_PREFIX}address:{_address(request)}"]
    args: list[float] = []
    for size in sizes:
        args += [size / window, size]
    return keys, args


def authenticate(request, *, username: str, password: str):
    """The user these credentials are, or None; SignInThrottled while the limit refuses sign-in."""
    keys, args = _buckets(request, username)
    wait = int(_script()(keys=keys, args=[time.time(), 0, *args]))
    if wait:
        raise SignInThrottled(wait)
    user = django_authenticate(request, username=username, password=password)
    if user is not None:
        _script()(keys=keys, args=[time.time(), 1, *args])
    return user


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form, under the same limit (`admin.site.login_form`, see config/urls.py)."""

    retry_after: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate(self.request, username=username, password=password)
            except SignInThrottled as exc:
                self.retry_after = exc.retry_after
                raise ValidationError(str(exc), code="throttled") from None
            except REDIS_DOWN:
                raise ValidationError(
                    "Sign-in is unavailable for a moment (Redis cannot be reached); try again shortly.",
                    code="unavailable",
                ) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def admin_login(request, extra_context=None):
    """The admin's login page; 429 with Retry-After while the limit refuses sign-in."""
    response = admin.site.login(request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if isinstance(form, AdminLoginForm) and form.retry_after:
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response
