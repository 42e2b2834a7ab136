from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from issues.outline import outline_number

from . import selectors
from .models import Evidence, Measure


@login_required
def home(request):
    return redirect("review_list")


@login_required
def review_list(request):
    return render(request, "measures/review_list.html", {"reviews": selectors.review_list_with_counts(request.user)})


@login_required
def review_detail(request, pk):
    review = get_object_or_404(selectors.reviews_visible_to(request.user).select_related("court"), pk=pk)
    categories = selectors.review_tree(request.user, review)
    tree = []
    for ci, category in enumerate(categories, start=1):
        problems = []
        for pi, problem in enumerate(category.ordered_problems, start=1):
            measures = [(outline_number(3, mi), m) for mi, m in enumerate(problem.visible_measures, start=1)]
            problems.append((outline_number(2, pi), problem, measures))
        tree.append((outline_number(1, ci), category, problems))
    totals = {
        "categories": len(categories),
        "problems": sum(len(c.ordered_problems) for c in categories),
        "measures": sum(len(p.visible_measures) for c in categories for p in c.ordered_problems),
        "closed": sum(
            1 for c in categories for p in c.ordered_problems for m in p.visible_measures
            if m.status == Measure.Status.CLOSED
        ),
    }
    return render(request, "measures/review_detail.html", {"review": review, "tree": tree, "totals": totals})


@login_required
def measure_detail(request, pk):
    try:
        measure = selectors.measure_for_page(request.user, pk)
    except Measure.DoesNotExist:
        raise Http404 from None
    history = measure.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    return render(request, "measures/measure_detail.html", {"measure": measure, "history": history})


@login_required
def evidence_download(request, pk):
    """Evidence is only ever served here, after the same scope check as its measure."""
    evidence = get_object_or_404(
        Evidence.objects.filter(measure__in=selectors.measures_visible_to(request.user)), pk=pk
    )
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
