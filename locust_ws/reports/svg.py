"""Inline SVG line charts for the HTML report: no JavaScript and no chart library, so the
WebSocket section renders anywhere the report file is opened. Pure functions."""

from __future__ import annotations

import html
import math
import time
from collections.abc import Sequence

WIDTH, HEIGHT = 880, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 60, 16, 28, 28
_TICKS = 4


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def _clock_label(second: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(second))


def line_chart(
    title: str, seconds: Sequence[float], series: Sequence[tuple[str, str, Sequence[float]]]
) -> str:
    """An SVG chart of ``series`` (label, CSS colour, values) over ``seconds`` (epoch, UTC axis)."""
    plot_width, plot_height = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" '
        'style="font: 11px sans-serif; background: #fff">',
        f'<text x="{_LEFT}" y="16" style="font-weight: bold">{html.escape(title)}</text>',
    ]
    if not seconds:
        parts.append(f'<text x="{_LEFT}" y="{_TOP + plot_height / 2}">no data</text></svg>')
        return "".join(parts)
    top = _nice_ceiling(max((max(values, default=0) for _, _, values in series), default=0))
    start, span = seconds[0], max(seconds[-1] - seconds[0], 1)

    def x(second: float) -> float:
        return _LEFT + (second - start) / span * plot_width

    def y(value: float) -> float:
        return _TOP + plot_height - value / top * plot_height

    for tick in range(_TICKS + 1):
        value = top * tick / _TICKS
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    for tick in range(_TICKS + 1):
        second = start + span * tick / _TICKS
        anchor = "start" if tick == 0 else "end" if tick == _TICKS else "middle"
        parts.append(
            f'<text x="{x(second):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{_clock_label(second)}</text>'
        )
    for index, (label, colour, values) in enumerate(series):
        points = " ".join(
            f"{x(second):.1f},{y(value):.1f}" for second, value in zip(seconds, values, strict=True)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
        legend_x = WIDTH - _RIGHT - 160 * (len(series) - index)
        parts.append(
            f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="17">{html.escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
