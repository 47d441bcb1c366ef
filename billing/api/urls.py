from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AlertWebhookViewSet, BudgetViewSet, StatementViewSet, UsageViewSet

app_name = "billing"

router = SimpleRouter()
router.register("usage", UsageViewSet, basename="usage")
router.register("budgets", BudgetViewSet, basename="budget")
router.register("statements", StatementViewSet, basename="statement")
urlpatterns = [
    path(
        "budget-webhook/",
        AlertWebhookViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="budget-webhook",
    ),
    *router.urls,
]
