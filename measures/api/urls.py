from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("problems", views.ProblemViewSet, basename="problem")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("progress-reports", views.ProgressReportViewSet, basename="progressreport")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("closeouts", views.CloseOutViewSet, basename="closeout")
router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("lookbacks", views.LookBackViewSet, basename="lookback")
router.register("prompts", views.PromptViewSet, basename="prompt")
