"""How sfkd writes results for people: table cells (mean ± std over seeds, median and
range over repeated measurements), Markdown tables, and figures.

Every report of the package, the benchmarks and the studies formats its numbers and
draws its figures through these functions, so that a cell or a figure file means the
same everywhere: ``mean ± std`` is the mean and the sample standard deviation (a
single value alone, ``-`` for none); a figure is a PNG at 120 dpi drawn with
matplotlib's Agg backend (no display needed).
"""
import statistics
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

FIGURE_DPI = 120


def mean_std(values: Sequence[float], digits: int = 2) -> str:
    """``mean ± std`` of ``values`` (sample std) with ``digits`` decimals; a single value
    alone; ``-`` for none."""
    values = list(values)
    if len(values) < 2:
        return f'{values[0]:.{digits}f}' if values else '-'
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


def std(values: Sequence[float]) -> float:
    """The sample standard deviation, 0 for fewer than two values (an error bar's size)."""
    values = list(values)
    return statistics.stdev(values) if len(values) > 1 else 0.0


def spread(values: Sequence[float]) -> dict:
    """Median and range of one figure over repeated measurements."""
    values = list(values)
    return dict(median=statistics.median(values), min=min(values), max=max(values))


def median_range(figure: dict, digits: int = 3) -> str:
    """``median (range min-max)`` of a :func:`spread`."""
    return (f"{figure['median']:.{digits}f} (range {figure['min']:.{digits}f}-"
            f"{figure['max']:.{digits}f})")


def table_row(cells: Iterable[str]) -> str:
    """One Markdown table row; an empty cell is written ``| |``."""
    return '|' + ''.join(f' {c} |' if c != '' else ' |' for c in cells)


def markdown_table(head: Sequence[str], rows: Iterable[Sequence[str]] = ()) -> List[str]:
    """The lines of a Markdown table: the header, its ``| --- |`` rule and the rows."""
    return [table_row(head), '|' + ' --- |' * len(head)] + [table_row(r) for r in rows]


@contextmanager
def figure(path: str, ncols: int = 1, nrows: int = 1, figsize: Tuple[float, float] = (7, 4),
           **subplots) -> Iterator[tuple]:
    """A matplotlib figure of ``nrows`` x ``ncols`` panels, saved to ``path`` (PNG,
    :data:`FIGURE_DPI`, tight layout) and closed when the block ends; yields the figure
    and its axes (as ``plt.subplots`` returns them, ``squeeze`` as given)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, **subplots)
    try:
        yield fig, axes
        fig.tight_layout()
        fig.savefig(path, dpi=FIGURE_DPI)
    finally:
        plt.close(fig)


def annotate_points(ax, points: Iterable[Tuple[float, float, str]], offset: float = 3,
                    fontsize: float = 7) -> None:
    """Write each point's label next to it (``(x, y, label)``)."""
    for x, y, label in points:
        ax.annotate(label, (x, y), fontsize=fontsize, xytext=(offset, offset),
                    textcoords='offset points')


def bar_chart(ax, groups: Sequence[str], bars: Sequence[Tuple[Optional[str], Sequence[float],
                                                               Sequence[float]]],
              reference: Optional[Tuple[str, float]] = None,
              values: Sequence[float] = (), ylabel: str = '', title: str = '',
              tick_fontsize: Optional[float] = None, **bar_options) -> None:
    """Bars per group with error bars: ``bars`` is ``(label, means, stds)`` per series (one
    mean per group), side by side within each group; ``reference`` a dashed horizontal
    line ``(label, value)``; ``values`` (every individual value shown) set the y range
    to 1 below the smallest and 0.8 above the largest."""
    width = 0.8 / max(len(bars), 1)
    for j, (label, means, stds) in enumerate(bars):
        xs = [i + (j - (len(bars) - 1) / 2) * width for i in range(len(groups))]
        ax.bar(xs, means, width, yerr=stds, capsize=3, label=label, **bar_options)
    if reference:
        ax.axhline(reference[1], color='k', ls='--', lw=1, label=reference[0])
    if values:
        ax.set_ylim(min(values) - 1.0, max(values) + 0.8)
    ax.set_xticks(range(len(groups)), groups,
                  **({} if tick_fontsize is None else dict(fontsize=tick_fontsize)))
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
