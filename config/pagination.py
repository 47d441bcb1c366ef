"""Pagination for list endpoints."""

from rest_framework.pagination import CursorPagination, LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """Small lists (apps, functions, tokens)."""

    default_limit = 50
    max_limit = 500


class NewestFirstCursor(CursorPagination):
    """Append-only data (calls, containers, logs): stable under inserts."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
