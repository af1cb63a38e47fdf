"""Charts of the analytical note as PNG images (matplotlib, Agg), drawn from what the view gives them: sized for the
text area of an A4 page (never taller than it), full labels (wrapped, not cut), axis titles in the words of the data,
threshold lines labelled.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from dataclasses import dataclass

MM_PER_INCH = 25.4
WIDTH_MM = 165.0  # the text width of the note's page
MAX_HEIGHT_MM = 200.0  # leaves the page room for the caption and the heading kept with the picture
DPI = 150
COLOURS = {"shnor": "#c0392b", "risk": "#e67e22", "ok": "#7f8c8d", "insufficient": "#bdc3c7"}
LABELS = {"shnor": "ШНОР", "risk": "зона риска", "ok": "без признаков", "insufficient": "недостаточно данных"}


@dataclass(frozen=True)
class Picture:
    """A drawn chart and its size on the page."""

    png: bytes
    width_mm: float
    height_mm: float


@dataclass(frozen=True)
class Line:
    """A threshold on a chart: on the x or y axis, at ``value`` (in %), with its label."""

    axis: str
    value: float
    label: str
    colour: str


def _figure(height_mm: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "shnor"})
    height_mm = min(height_mm, MAX_HEIGHT_MM)
    figure, axes = plt.subplots(figsize=(WIDTH_MM / MM_PER_INCH, height_mm / MM_PER_INCH), dpi=DPI,
                                layout="constrained")
    return plt, figure, axes, height_mm


def _picture(plt, figure, height_mm: float) -> Picture:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # layout hints of matplotlib are not the user's business
        figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return Picture(buffer.getvalue(), WIDTH_MM, height_mm)


def wrap(label: str, width: int = 30) -> str:
    """A long name on several lines rather than cut at the edge of the picture."""
    return "\n".join(textwrap.wrap(label, width)) or label


def _bar_height(rows: int) -> float:
    return 22.0 + 7.0 * rows


def municipalities(rows: list[tuple[str, float, float]]) -> Picture:
    """Per municipality, the share of ШНОР and of risk-zone schools (in %), stacked, first row at the top."""
    plt, figure, axes, height = _figure(_bar_height(len(rows)))
    size = 8 if len(rows) <= 30 else 6.5
    names = [wrap(name) for name, _, _ in rows][::-1]
    shnor = [s for _, s, _ in rows][::-1]
    risk = [r for _, _, r in rows][::-1]
    positions = range(len(names))
    axes.barh(positions, shnor, color=COLOURS["shnor"], label="ШНОР")
    axes.barh(positions, risk, left=shnor, color=COLOURS["risk"], label="зона риска")
    axes.set_yticks(list(positions), names, fontsize=size)
    axes.set_ylim(-0.6, len(names) - 0.4)
    axes.set_xlabel("Доля ОО муниципалитета, %")
    axes.set_xlim(0, 100)
    axes.grid(axis="x", alpha=0.3)
    figure.legend(loc="outside lower center", ncols=2, frameon=False)
    return _picture(plt, figure, height)


def scatter(points: dict[str, list[tuple[float, float]]], lines: list[Line], x_label: str, y_label: str) -> Picture:
    """Schools on two shares (in %), by status, with the thresholds of the rules as labelled lines."""
    plt, figure, axes, height = _figure(118.0)
    for status in ("ok", "insufficient", "risk", "shnor"):
        found = points.get(status) or []
        if found:
            axes.scatter(*zip(*found), s=16, c=COLOURS[status], label=LABELS[status], alpha=0.85,
                         edgecolors="white", linewidths=0.4)
    for line in lines:
        if line.axis == "x":
            axes.axvline(line.value, color=line.colour, linestyle="--", linewidth=1)
            axes.annotate(line.label, xy=(line.value, 1), xycoords=("data", "axes fraction"), xytext=(-2, -3),
                          textcoords="offset points", rotation=90, ha="right", va="top", fontsize=7, color=line.colour)
        else:
            axes.axhline(line.value, color=line.colour, linestyle="--", linewidth=1)
            axes.annotate(line.label, xy=(1, line.value), xycoords=("axes fraction", "data"), xytext=(-3, 2),
                          textcoords="offset points", ha="right", va="bottom", fontsize=7, color=line.colour)
    axes.set_xlabel(wrap(x_label, 80))
    axes.set_ylabel(wrap(y_label, 55))
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    figure.legend(loc="outside lower center", ncols=4, frameon=False)
    return _picture(plt, figure, height)


def objectivity(rows: list[tuple[str, float]], region: float | None) -> Picture:
    """The objectivity index per municipality, with the region's as a labelled line."""
    plt, figure, axes, height = _figure(_bar_height(len(rows)) + 6)
    size = 8 if len(rows) <= 30 else 6.5
    names = [wrap(name) for name, _ in rows][::-1]
    positions = range(len(names))
    axes.barh(positions, [value for _, value in rows][::-1], color="#2980b9")
    axes.set_yticks(list(positions), names, fontsize=size)
    axes.set_ylim(-0.6, len(names) - 0.4)
    if region is not None:
        shown = f"{region:.1f}".replace(".", ",")
        axes.axvline(region, color="#2c3e50", linestyle="--", linewidth=1, label=f"по региону: {shown}")
        figure.legend(loc="outside lower center", frameon=False)
    axes.set_xlim(0, 100)
    axes.set_xlabel(wrap("Индекс объективности: 100 минус доля ОО с признаками необъективности, %", 80))
    axes.grid(axis="x", alpha=0.3)
    return _picture(plt, figure, height)
