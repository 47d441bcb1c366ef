from rest_framework.routers import SimpleRouter

from .views import BudgetViewSet, UsageViewSet

app_name = "billing"

router = SimpleRouter()
router.register("usage", UsageViewSet, basename="usage")
router.register("budgets", BudgetViewSet, basename="budget")
urlpatterns = router.urls
