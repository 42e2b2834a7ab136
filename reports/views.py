"""Leaders' dashboards: parse the filter from the URL, call the selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from measures.selectors import page_scope, reviews_visible_to, wants_mine

from . import dashboards


def _render(request, params, review=None):
    dashboard = dashboards.dashboard_for(user=request.user, params=params)
    return render(
        request,
        "reports/dashboard.html",
        {"dashboard": dashboard, "charts": dashboards.chart_data(dashboard), "review": review,
         "page_scope": page_scope(request.user, params)},
    )


@login_required
def dashboard(request):
    """全院 (and, for a 中院, the courts below) — narrowed by the filters in the URL."""
    return _render(request, request.GET)


@login_required
def review_dashboard(request, pk):
    """One review's dashboard: the same page with the review fixed."""
    review = get_object_or_404(reviews_visible_to(request.user, mine=wants_mine(request.GET)), pk=pk)
    params = request.GET.copy()
    params["review"] = str(review.pk)
    return _render(request, params, review=review)
