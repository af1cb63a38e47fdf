"""Charts of the analytical note as PNG images (matplotlib, Agg): drawn from the report, computing nothing new."""

from __future__ import annotations

import io
import warnings

from shnor.render.formatting import ru_key
from shnor.report.model import Report

_COLOURS = {"shnor": "#c0392b", "risk": "#e67e22", "ok": "#7f8c8d", "insufficient": "#bdc3c7"}
_LABELS = {"shnor": "ШНОР", "risk": "зона риска", "ok": "без признаков", "insufficient": "недостаточно данных"}


def _figure(width: float = 7.0, height: float = 4.2):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "shnor"})
    return plt, *plt.subplots(figsize=(width, height), dpi=110)


def _png(plt, figure) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # layout hints of matplotlib are not the user's business
        figure.tight_layout()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def thresholds(report: Report, indicator: str) -> list[float]:
    """The fixed thresholds on one indicator that the ШНОР status of the rules uses (for the lines on the chart)."""
    found = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("indicator") == indicator and node.get("threshold") is not None:
                found.append(float(node["threshold"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report.rules.get("definition", {}).get("statuses", {}).get("shnor"))
    return sorted(set(found))


def scatter(report: Report) -> bytes:
    """Schools on «2» × «4»+«5» in Russian and maths, with the thresholds of the rules."""
    plt, figure, axes = _figure()
    for status in ("ok", "insufficient", "risk", "shnor"):
        points = [
            (s.indicators["fail_core"] * 100, s.indicators["high_core"] * 100)
            for s in report.schools
            if s.status == status and s.indicators.get("fail_core") is not None and s.indicators.get("high_core") is not None
        ]
        if points:
            axes.scatter(*zip(*points), s=22, c=_COLOURS[status], label=_LABELS[status], alpha=0.85, edgecolors="white", linewidths=0.5)
    for value in thresholds(report, "fail_core"):
        axes.axvline(value * 100, color="#c0392b", linestyle="--", linewidth=1)
    for value in thresholds(report, "high_core"):
        axes.axhline(value * 100, color="#2c3e50", linestyle="--", linewidth=1)
    axes.set_xlabel("Доля «2» по русскому языку и математике, %")
    axes.set_ylabel("Доля «4» и «5» по русскому языку и математике, %")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", frameon=False)
    return _png(plt, figure)


def municipalities(report: Report) -> bytes:
    """Share of ШНОР and risk-zone schools per municipality."""
    rows = sorted(report.summary["by_municipality"], key=lambda r: ru_key(r["municipality"]))
    plt, figure, axes = _figure(height=max(2.5, 0.45 * len(rows) + 1.2))
    names = [r["municipality"] or "—" for r in rows][::-1]
    shnor = [100 * r["shnor"] / r["total"] if r["total"] else 0 for r in rows][::-1]
    risk = [100 * r["risk"] / r["total"] if r["total"] else 0 for r in rows][::-1]
    axes.barh(names, shnor, color=_COLOURS["shnor"], label="ШНОР")
    axes.barh(names, risk, left=shnor, color=_COLOURS["risk"], label="зона риска")
    axes.set_xlabel("Доля школ муниципалитета, %")
    axes.set_xlim(0, 100)
    axes.legend(loc="lower right", frameon=False)
    axes.grid(axis="x", alpha=0.3)
    return _png(plt, figure)


def objectivity(report: Report) -> bytes:
    """The objectivity index per municipality and for the region."""
    index = report.summary.get("objectivity_index") or {}
    rows = sorted((index.get("by_municipality") or {}).items(), key=lambda item: ru_key(item[0]))
    plt, figure, axes = _figure(height=max(2.5, 0.45 * len(rows) + 1.6))
    names = [name for name, _ in rows][::-1]
    values = [(value.get("index") or 0) for _, value in rows][::-1]
    axes.barh(names, values, color="#2980b9")
    region = (index.get("region") or {}).get("index")
    if region is not None:
        axes.axvline(region, color="#2c3e50", linestyle="--", linewidth=1, label=f"регион: {region:.1f}".replace(".", ","))
        axes.legend(loc="lower right", frameon=False)
    axes.set_xlim(0, 100)
    axes.set_xlabel("Индекс объективности (100 − % школ с признаками)")
    axes.grid(axis="x", alpha=0.3)
    return _png(plt, figure)


CHARTS = {"scatter": scatter, "municipalities": municipalities, "objectivity": objectivity}
