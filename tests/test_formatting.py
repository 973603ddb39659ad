"""Locale formatting with Babel: the forms market reports print."""

from __future__ import annotations

import pytest

from reportgen.formatting import money, month, number, percent


@pytest.mark.parametrize("value, currency, locale, expected", [
    (3.26e9, "USD", "zh_CN", "32.6亿美元"),
    (3.26e9, "USD", "en", "USD 3.26 billion"),
    (26.89e9, "CNY", "zh_CN", "268.9亿元"),
    (26.89e9, "CNY", "en", "CNY 26.89 billion"),
    (3.26e9, "USD", "zh_TW", "32.6億美元"),
])
def test_money_compact(value, currency, locale, expected):
    assert money(value, locale, currency, resolution=1e7) == expected


def test_percent_number_and_month():
    assert percent(0.1522, "zh_CN") == "15.22%"
    assert number(7000, "en") == "7,000"
    assert month("2025-07", "zh_CN") == "2025年7月"
    assert month("2025-07", "en") == "July 2025"


def test_precision_as_written():
    from reportgen.data import _decimals

    # 1.0 was written with a tenth: it keeps it. 7000 is "about 7 thousand".
    assert money(1.0e8, "zh_CN", "CNY", resolution=1e7) == "1.0亿元"
    assert _decimals("7000") == -3 and _decimals("41.8") == 1 and _decimals("3.26e9") == -7
    assert money(7000e8, "zh_CN", "CNY", resolution=1e11) == "7,000亿元"
    assert money(7000e8, "en", "CNY", resolution=1e11) == "CNY 700 billion"
    assert money(1e12, "zh_CN", "CNY", resolution=1e12) == "1万亿元"
