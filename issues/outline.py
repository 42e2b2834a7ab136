"""Official outline numbering (一、 (一) 1. (1)), derived from position, never stored."""

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 65 → 六十五, 100 → 一百."""
    if n <= 0:
        raise ValueError("outline numbers start at 1")
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return _DIGITS[hundreds] + "百"
    middle = "零" if rest < 10 else ""
    tail = chinese_numeral(rest) if rest >= 20 or rest < 10 else "一" + chinese_numeral(rest)
    return _DIGITS[hundreds] + "百" + middle + tail


def outline_number(level: int, position: int) -> str:
    """Level 1 一、, level 2 (一), level 3 1., level 4 (1); position counts from 1."""
    if level == 1:
        return f"{chinese_numeral(position)}、"
    if level == 2:
        return f"({chinese_numeral(position)})"
    if level == 3:
        return f"{position}."
    return f"({position})"


def number_siblings(items, level: int) -> list[tuple[str, object]]:
    """Pair each item of an ordered sequence with its outline number at ``level``."""
    return [(outline_number(level, i), item) for i, item in enumerate(items, start=1)]
