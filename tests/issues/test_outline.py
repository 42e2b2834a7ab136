"""Official outline numbering: 一、 (一) 1. (1), counted from position, never from a stored value."""

import pytest
from django.urls import reverse

from issues.outline import chinese_numeral, number_siblings, outline_number
from tests import factories as f


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (12, "十二"), (19, "十九"),
        (20, "二十"), (21, "二十一"), (65, "六十五"), (99, "九十九"), (100, "一百"), (101, "一百零一"),
        (110, "一百一十"), (115, "一百一十五"), (120, "一百二十"), (365, "三百六十五"),
    ],
)
def test_chinese_numeral(n, expected):
    assert chinese_numeral(n) == expected


@pytest.mark.parametrize("n", [0, -1])
def test_outline_numbers_start_at_one(n):
    with pytest.raises(ValueError):
        chinese_numeral(n)


@pytest.mark.parametrize(
    ("level", "position", "expected"),
    [
        (1, 1, "一、"), (1, 10, "十、"), (1, 11, "十一、"), (1, 20, "二十、"), (1, 65, "六十五、"),
        (2, 1, "(一)"), (2, 10, "(十)"), (2, 11, "(十一)"), (2, 65, "(六十五)"),
        (3, 1, "1."), (3, 10, "10."), (3, 65, "65."),
        (4, 1, "(1)"), (4, 11, "(11)"), (4, 65, "(65)"),
    ],
)
def test_outline_number_by_level(level, position, expected):
    assert outline_number(level, position) == expected


def test_number_siblings_counts_position_not_the_items_own_value():
    assert number_siblings(["甲", "乙", "丙"], level=2) == [("(一)", "甲"), ("(二)", "乙"), ("(三)", "丙")]


def test_review_tree_numbers_by_position_even_with_gaps_in_stored_order(client, org):
    """The office reorders by leaving gaps (10, 30, 70); the page still reads 一、二、三、."""
    review = f.ReviewFactory(court=org.court)
    categories = [f.CategoryFactory(review=review, name=name, order=order)
                  for name, order in [("思想观念方面", 70), ("司法作风方面", 10), ("工作成效方面", 30)]]
    problems = [f.ProblemFactory(category=categories[1], description=d, order=o)
                for d, o in [("乙问题", 50), ("甲问题", 5)]]
    for text, order in [("措施丙", 100), ("措施甲", 3), ("措施乙", 9)]:
        f.MeasureFactory(problem=problems[1], text=text, order=order, lead_department=org.dept_a)

    client.force_login(org.office)
    response = client.get(reverse("review_detail", args=[review.pk]))

    assert response.status_code == 200
    tree = response.context["tree"]
    assert [(no, c.name) for no, c, _ in tree] == [
        ("一、", "司法作风方面"), ("二、", "工作成效方面"), ("三、", "思想观念方面"),
    ]
    first_category_problems = tree[0][2]
    assert [(no, p.description) for no, p, _ in first_category_problems] == [("(一)", "甲问题"), ("(二)", "乙问题")]
    measures = first_category_problems[0][2]
    assert [(no, m.text) for no, m in measures] == [("1.", "措施甲"), ("2.", "措施乙"), ("3.", "措施丙")]
    html = response.content.decode()
    assert "一、司法作风方面" in html and "三、思想观念方面" in html
    assert "(一)甲问题" in html
