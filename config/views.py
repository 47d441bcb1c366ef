"""The dashboard's entry page: the single-page app built by Vite into frontend/dist."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

MISSING = (
    "<!doctype html><title>Skylift</title><h1>Skylift</h1><p>The dashboard is not built yet: run "
    "<code>make setup</code> (or <code>npm ci && npm run build</code> in <code>frontend/</code>).</p>"
    "<p>The API is at <a href='/api/docs/'>/api/docs/</a>.</p>"
)


@ensure_csrf_cookie
def dashboard(request, path: str = ""):
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(MISSING, status=503)
    return HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")


def healthz(request):
    """Liveness and readiness: 200 when the database answers, with how much of this process's pool
    of database connections is handed out (a pool that stays full means requests wait for one)."""
    from django.db import connection
    from django.http import JsonResponse

    from config.database import pool_usage

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
    except Exception:  # noqa: BLE001
        return JsonResponse({"ok": False}, status=503)
    usage = pool_usage()
    return JsonResponse({"ok": True, "database_pool": usage._asdict() if usage else None})
