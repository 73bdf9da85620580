"""Charts drawn on the server as inline SVG: no script, no CDN, readable on a cheap phone.

Every chart has a <title> and <desc> (named by aria-labelledby) and the page shows the same
figures as a table under it, for screen readers and for copying. The viewBox scales the drawing
to the screen; colours come from classes in app.css (the CSP forbids style attributes).
Every piece of text is escaped here, the only place that builds markup by hand.
"""
import itertools
import math
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from contest.formatting import number, percent

WIDTH = 480
_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as text ("12", "45,5%")
    note: str = ""  # extra detail for the tooltip and the table


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    label_header: str
    value_header: str
    bars: list[Bar]
    svg: Markup


def _nice_top(value: float) -> float:
    """A round axis maximum (1, 2, 2.5, 4, 5, 6 or 8 × 10^k) at or above `value`: quarters stay round."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _shell(key: str, title: str, description: str, height: int, body: list[str]) -> Markup:
    ident = f"chart-{key}-{next(_ids)}"
    head = (
        f'<svg class="chart chart-{escape(key)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def column_chart(key: str, title: str, description: str, bars: list[Bar], *, label_header: str,
                 value_header: str, percent: bool = False) -> Chart:
    """Vertical bars with short labels below (scores, days)."""
    left, right, top, bottom, height = 48, 8, 16, 48, 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    # Counts are whole numbers: an axis of at least 4 keeps every quarter tick whole.
    peak = 100 if percent else max(4, _nice_top(max((b.value for b in bars), default=0)))
    body = []
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        body.append(f'<line class="chart-grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                    f'{escape(number(round(value, 2)))}{"%" if percent else ""}</text>')
    slot = plot_w / max(len(bars), 1)
    every = max(1, math.ceil(len(bars) / 12))  # at most ~12 labels under the axis
    for index, bar in enumerate(bars):
        h = plot_h * min(bar.value, peak) / peak if peak else 0
        x = left + index * slot + slot * 0.1
        y = top + plot_h - h
        tip = f"{bar.label}: {bar.shown}" + (f" ({bar.note})" if bar.note else "")
        body.append(f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}">'
                    f'<title>{escape(tip)}</title></rect>')
        centre = left + index * slot + slot / 2
        if len(bars) <= 16 and bar.value:
            body.append(f'<text class="chart-value" x="{centre:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                        f'{escape(bar.shown)}</text>')
        if index % every == 0:
            body.append(f'<text class="chart-axis" x="{centre:.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
                        f'{escape(bar.label)}</text>')
    body.append(f'<line class="chart-baseline" x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h}" '
                f'y2="{top + plot_h}"/>')
    body.append(f'<text class="chart-axis" x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                f'{escape(label_header)}</text>')
    return Chart(key, title, description, label_header, value_header, bars,
                 _shell(key, title, description, height, body))


def bar_chart(key: str, title: str, description: str, bars: list[Bar], *, label_header: str,
              value_header: str, percent: bool = False) -> Chart:
    """Horizontal bars, each under its (long) label: unit names stay readable on a phone."""
    row, left, right = 46, 4, 64
    height = max(row * len(bars), row) + 8
    peak = 100 if percent else _nice_top(max((b.value for b in bars), default=0))
    plot_w = WIDTH - left - right
    body = []
    for index, bar in enumerate(bars):
        y = 4 + index * row
        w = plot_w * min(bar.value, peak) / peak if peak else 0
        tip = f"{bar.label}: {bar.shown}" + (f" ({bar.note})" if bar.note else "")
        body.append(f'<text class="chart-label" x="{left}" y="{y + 15}">{escape(bar.label)}</text>')
        body.append(f'<rect class="chart-track" x="{left}" y="{y + 21}" width="{plot_w}" height="16"/>')
        body.append(f'<rect class="chart-bar" x="{left}" y="{y + 21}" width="{w:.1f}" height="16">'
                    f'<title>{escape(tip)}</title></rect>')
        body.append(f'<text class="chart-value" x="{left + plot_w + 6}" y="{y + 35}">{escape(bar.shown)}</text>')
    return Chart(key, title, description, label_header, value_header, bars,
                 _shell(key, title, description, height, body))


# --- the three charts of a round ----------------------------------------------------------------
MAX_SCORE_BARS = 25
MAX_UNIT_BARS = 30


def score_chart(distribution: list[tuple[int, int]], top: int) -> Chart:
    """People per score (per score band when the scale is long)."""
    width = max(1, math.ceil((top + 1) / MAX_SCORE_BARS))
    bars = []
    for start in range(0, top + 1, width):
        end = min(start + width - 1, top)
        people = sum(count for score, count in distribution if start <= score <= end)
        label = str(start) if start == end else f"{start}–{end}"
        bars.append(Bar(label, people, number(people), _("%(n)d người", n=people)))
    total = sum(count for _s, count in distribution)
    if total:
        busiest = max(bars, key=lambda bar: bar.value)
        description = _("Phân bố điểm của %(total)d người dự thi (mỗi người tính một lượt); nhiều nhất ở mức "
                        "%(label)s điểm với %(n)d người.", total=total, label=busiest.label, n=int(busiest.value))
    else:
        description = _("Chưa có bài thi nào hoàn thành.")
    return column_chart("scores", _("Phân bố điểm"), description, bars,
                        label_header=_("Điểm"), value_header=_("Số người"))


def participation_chart(entries) -> Chart:
    """Participation rate of the units that declared a headcount, highest first."""
    counted = sorted((e for e in entries if e.headcount), key=lambda e: (-(e.rate or 0), e.code))
    shown = counted[:MAX_UNIT_BARS]
    bars = [Bar(e.name, 100 * (e.rate or 0), percent(e.rate or 0),
                _("%(p)d/%(h)d người", p=e.participants, h=e.headcount)) for e in shown]
    if not counted:
        description = _("Chưa có đơn vị nào khai báo biên chế.")
    elif len(counted) > len(shown):
        description = _("Tỷ lệ người dự thi trên biên chế của %(n)d đơn vị có tỷ lệ cao nhất (trong %(total)d đơn vị).",
                        n=len(shown), total=len(counted))
    else:
        description = _("Tỷ lệ người dự thi trên biên chế của %(n)d đơn vị, cao nhất trước.", n=len(shown))
    return bar_chart("participation", _("Tỷ lệ tham gia theo đơn vị"), description, bars,
                     label_header=_("Đơn vị"), value_header=_("Tỷ lệ tham gia"), percent=True)


def days_chart(days, tz: str) -> Chart:
    """Finished attempts per day, days in the contest's time zone."""
    bars = [Bar(day.strftime("%d/%m"), count, number(count), day.strftime("%d/%m/%Y")) for day, count in days]
    total = sum(count for _d, count in days)
    if total:
        description = _("%(total)d bài thi đã nộp trong %(n)d ngày (theo giờ %(tz)s).", total=total, n=len(days), tz=tz)
    else:
        description = _("Chưa có bài thi nào được nộp.")
    return column_chart("days", _("Số bài thi nộp theo ngày"), description, bars,
                        label_header=_("Ngày"), value_header=_("Số bài thi"))
