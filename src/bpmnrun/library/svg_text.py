"""Text in the drawn diagrams: how wide a line is in the fonts the SVG names, and wrapping a name into the
lines of its box the way a browser will lay it out. Pure measurement: nothing here makes SVG elements."""

from __future__ import annotations

from typing import Sequence

TASK_FONT = 12.0
LABEL_FONT = 11.0
LINE_HEIGHT = 1.2

# Advance widths of Arial/Helvetica (and the metric-compatible Liberation Sans) in thousandths of an em,
# for printable ASCII: enough to wrap names the way a browser will lay them out.
_ASCII_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p to ~
)
_OTHER_WIDTHS = {"–": 556, "—": 1000, "…": 1000, "‘": 222, "’": 222, "“": 333, "”": 333, "£": 556}
ELLIPSIS = "…"


def text_width(text: str, size: float) -> float:
    total = 0
    for char in text:
        code = ord(char)
        if 32 <= code <= 126:
            total += _ASCII_WIDTHS[code - 32]
        else:
            total += _OTHER_WIDTHS.get(char, 667 if char.isupper() else 556)
    return total * size / 1000


def _split_word(word: str, width: float, size: float) -> list[str]:
    """A word wider than the line, cut into pieces that fit (a URL or a long reference number)."""
    pieces, piece = [], ""
    for char in word:
        if piece and text_width(piece + char, size) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + [piece]


def _ellipsize(line: str, width: float, size: float) -> str:
    line = line.rstrip(" ,;:–-")
    while line and text_width(line + ELLIPSIS, size) > width:
        line = line[:-1].rstrip(" ,;:–-")
    return line + ELLIPSIS


def wrap(text: str, width: float, size: float, max_lines: int | None = None) -> list[str]:
    """Greedy word wrap to `width`; past `max_lines` the last line ends in an ellipsis."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            *whole, line = _split_word(word, width, size)
            lines.extend(whole)
        if line:
            lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [_ellipsize(lines[max_lines - 1], width, size)] if max_lines else []
    return lines


def block_height(lines: Sequence[str], size: float) -> float:
    return len(lines) * size * LINE_HEIGHT


def fitted_lines(text: str, width: float, height: float) -> tuple[list[str], float]:
    """The name of a task in its box: 12px if it fits, else a little smaller, else cut with an ellipsis."""
    for size in (TASK_FONT, 11.0, 10.0):
        lines = wrap(text, width, size)
        if block_height(lines, size) <= height:
            return lines, size
    size = 10.0
    return wrap(text, width, size, max_lines=max(1, int(height // (size * LINE_HEIGHT)))), size
