"""Charts as small SVG drawn on the server: a fan (bands and a median line) and paired bars.

Hand-written rather than from a charting library: pygal's SVG carries inline script and
style (which the pages' Content-Security-Policy refuses) and matplotlib's draws text as
glyph paths or weighs tens of kilobytes a chart; these two shapes take a hundred lines and
weigh 2-4 KB. Colours and fonts come from the stylesheet through class names, labels are
formatted by the caller in the page's language, and every chart sits beside a table that
says the same in text. Time runs left to right in every language, as in print charts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
LEFT = 96
"""Room for the value labels of the vertical axis."""
BOTTOM = 24
TOP = 8
RIGHT = 8


@dataclass(frozen=True)
class Band:
    low: Sequence[int]
    high: Sequence[int]
    css: str


def _scale(values: Sequence[int]) -> tuple[int, int]:
    low, high = min([0, *values]), max([1, *values])
    return low, high if high > low else low + 1


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner * index / (count - 1) if count > 1 else inner / 2)


def _y(value: int, low: int, high: int) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - (value - low) / (high - low))


def _axis(
    labels: Sequence[str],
    low: int,
    high: int,
    label: Callable[[int], str],
    x_at: Callable[[int], float],
) -> list[str]:
    parts = []
    for k in range(4):
        value = low + (high - low) * k // 3
        y = _y(value, low, high)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(label(value))}</text>"
        )
    step = max(1, -(-len(labels) // 4))
    for index, text in enumerate(labels):
        if index % step == 0:
            parts.append(
                f'<text class="tick" x="{x_at(index):.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    return parts


def _svg(title: str, parts: list[str]) -> Markup:
    return Markup(  # noqa: S704 (every text inside is escaped above)
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" direction="ltr" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def fan_chart(
    title: str,
    labels: Sequence[str],
    bands: Sequence[Band],
    median: Sequence[int],
    value_label: Callable[[int], str],
) -> Markup:
    """Bands (outermost first) as filled areas and the median as a line, one point a month."""
    count = len(labels)
    low, high = _scale([*median, *(v for band in bands for v in (*band.low, *band.high))])

    def point(index: int, value: int) -> str:
        return f"{_x(index, count):.1f},{_y(value, low, high):.1f}"

    parts = _axis(labels, low, high, value_label, lambda i: _x(i, count))
    for band in bands:
        upper = [point(i, v) for i, v in enumerate(band.high)]
        lower = [point(i, v) for i, v in reversed(list(enumerate(band.low)))]
        parts.append(f'<polygon class="{band.css}" points="{" ".join(upper + lower)}"/>')
    line = " ".join(point(i, v) for i, v in enumerate(median))
    parts.append(f'<polyline class="median" points="{line}"/>')
    return _svg(title, parts)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    value_label: Callable[[int], str],
) -> Markup:
    """Side-by-side bars per label, one class per series (its colour is in the stylesheet)."""
    count = len(labels)
    low, high = _scale([v for _, values in series for v in values])
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    width = slot * 0.8 / max(len(series), 1)

    def centre(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    parts = _axis(labels, low, high, value_label, centre)
    base = _y(0, low, high)
    for k, (css, values) in enumerate(series):
        for index, value in enumerate(values):
            top = _y(value, low, high)
            x = LEFT + slot * index + slot * 0.1 + width * k
            parts.append(
                f'<rect class="{css}" x="{x:.1f}" y="{min(top, base):.1f}" '
                f'width="{width:.1f}" height="{abs(base - top):.1f}"/>'
            )
    return _svg(title, parts)
