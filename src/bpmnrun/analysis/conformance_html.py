"""The conformance report as one standalone HTML page: styles inside, no scripts, readable printed."""

from __future__ import annotations

from html import escape

from .conformance import Report

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; max-width: 70rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #b1b4b6; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f2f1; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.deviating td.number { color: #a8000b; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; } dt { font-weight: 600; }
"""


def render_html(report: Report) -> str:
    version = f" version {report.version}" if report.version else ""
    title = f"Conformance to {report.process_id}{version}"
    parts = [f"<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{escape(title)}"
             f"</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>", _summary(report),
             _frequent(report), _cases(report), "</body>\n</html>\n"]
    return "\n".join(parts)


def _summary(report: Report) -> str:
    rows = [("Event log", report.log), ("Steps matched by", report.by), ("Cases", str(len(report.cases))),
            ("Distinct sequences of steps", str(report.variants)), ("Cases fitting the model", str(report.fitting)),
            ("Fitness of the whole log", f"{report.fitness:.3f}")]
    if report.log_processes:
        rows.append(("The log's processes", ", ".join(f"{p} ({n} cases)" for p, n in
                                                       sorted(report.log_processes.items()))))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    note = ("<p>Fitness is 1 for a case whose steps the model allows in that order, lower the more steps were "
            "missing, out of order or left the case short of an end (token-based replay).</p>")
    return f"<dl>{items}</dl>\n{note}"


def _frequent(report: Report) -> str:
    if not report.frequent:
        return "<h2>Deviations</h2>\n<p>None: every case follows the model.</p>"
    rows = "".join(f"<tr><td>{escape(d)}</td><td class=\"number\">{n}</td></tr>" for d, n in report.frequent)
    return ("<h2>Most frequent deviations</h2>\n<table>\n<thead><tr><th scope=\"col\">Deviation</th>"
            f"<th scope=\"col\">Cases</th></tr></thead>\n<tbody>{rows}</tbody>\n</table>")


def _cases(report: Report) -> str:
    rows = []
    for case in report.cases:
        marked = " class=\"deviating\"" if case.deviations else ""
        deviations = "<br>".join(escape(d) for d in case.deviations) or "—"
        rows.append(f"<tr{marked}><td>{escape(case.case_id)}</td><td class=\"number\">{case.steps}</td>"
                    f"<td class=\"number\">{case.fitness:.3f}</td><td>{deviations}</td></tr>")
    return ("<h2>Cases</h2>\n<table>\n<thead><tr><th scope=\"col\">Case</th><th scope=\"col\">Steps</th>"
            "<th scope=\"col\">Fitness</th><th scope=\"col\">Deviations</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>")
