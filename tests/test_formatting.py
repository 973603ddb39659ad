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
