"""The restricted evaluator: what diagrams may write, and every way out of the sandbox that must be refused."""

from __future__ import annotations

from datetime import datetime

import pytest

from bpmnrun.clock import MovableClock, using_clock
from bpmnrun.expressions import ExpressionError, compile_expression, evaluate

DATA = {
    "decision": "approve",
    "child_count": 3,
    "note": "Seen at school",
    "record": {"a": 1, "_secret": "hidden"},
    "family_consent": "no",
    "assessment_completed_on": "2025-04-17",
    "subjects": [
        {"id": 7, "name": "Josie Smith", "date_of_birth": "2015-06-14", "assessment_outcome": "proceed"},
        {"id": 8, "name": "Sam Smith", "date_of_birth": "2018-01-02", "assessment_outcome": "closed"},
    ],
}

ALLOWED = [
    ('decision == "approve"', True),
    ('family_consent == "no"', True),
    ('decision != "approve" or child_count > 2', True),
    ("1 < child_count <= 3", True),
    ('not (decision == "decline")', True),
    ('"yes" if child_count >= 3 else "no"', "yes"),
    ('decision in ("approve", "decline")', True),
    ('any(s["assessment_outcome"] == "proceed" for s in subjects)', True),
    ('all(s["assessment_outcome"] == "proceed" for s in subjects)', False),
    ('[s["name"] for s in subjects if s["assessment_outcome"] == "closed"]', ["Sam Smith"]),
    ('{s["id"]: s["name"] for s in subjects}', {7: "Josie Smith", 8: "Sam Smith"}),
    ("len(subjects) == 2", True),
    ('min(s["date_of_birth"] for s in subjects)', "2015-06-14"),
    ('max(s["id"] for s in subjects)', 8),
    ('sum(s["id"] for s in subjects)', 15),
    ('sorted(s["name"] for s in subjects)', ["Josie Smith", "Sam Smith"]),
    ('[i for i, s in enumerate(subjects) if s["id"] == 8]', [1]),
    ('list(zip([1, 2], ["a", "b"]))', [(1, "a"), (2, "b")]),
    ("sum(range(5))", 10),
    ("len(range(10000))", 10000),
    ("abs(-2) + round(2.4) + int('3') + float('0.5')", 7.5),
    ("str(child_count)", "3"),
    ("isinstance(child_count, int)", True),
    ("set([1, 1, 2]) == {1, 2} and tuple([1]) == (1,) and dict(a=1) == {'a': 1}", True),
    ('record["a"] + record.get("b", 1)', 2),
    ('note.lower().startswith("seen")', True),
    ("subjects[0]['name'].split()[0]", "Josie"),
    ("working_days(5, assessment_completed_on)", "2025-04-28T23:59:59.999999+01:00"),
    ("start_of_day(add_days(assessment_completed_on, 10))", "2025-04-27T00:00:00+01:00"),
    ('add_months("2025-03-10", 3)', "2025-06-10"),
    ('add_years("2024-02-29", 1)', "2025-02-28"),
    ('is_working_day("2025-04-18")', False),  # Good Friday
    ('is_working_day("2025-04-22")', True),
    ('"P10D"', "P10D"),
    ("  decision == 'approve'\n", True),  # surrounding whitespace, as in an XML element's text
]


@pytest.mark.parametrize("expression, expected", ALLOWED, ids=[e for e, _ in ALLOWED])
def test_allowed_expressions(expression, expected):
    assert evaluate(expression, DATA) == expected


def test_clock_functions_read_the_injected_clock():
    with using_clock(MovableClock(datetime(2025, 12, 24, 10, 0))):
        assert evaluate("today()", {}) == "2025-12-24"
        assert evaluate("now()", {}) == "2025-12-24T10:00:00+00:00"
        assert evaluate("working_days(1)", {}) == "2025-12-29T23:59:59.999999+00:00"
        assert evaluate('weekly("Tuesday", "10:00")', {}) == "2025-12-30T10:00:00+00:00"


@pytest.mark.parametrize("expression, expected", [
    ('defined("decision")', True),
    ('defined("not_set")', False),
    ('defined("empty")', False),
    ('defined("nothing")', False),
    ('value("decision", "none")', "approve"),
    ('value("not_set", "none")', "none"),
    ('value("empty", "none")', "none"),
    ('value("not_set")', None),
    ('defined("family_consent") and family_consent == "no"', True),
    ('not defined("not_set") or not_set == 1', True),
])
def test_defined_and_value_for_variables_a_path_may_not_have_set(expression, expected):
    assert evaluate(expression, {**DATA, "empty": "", "nothing": None}) == expected


def test_comprehensions_read_other_case_variables():
    data = {**DATA, "wanted": "closed"}
    assert evaluate('[s["name"] for s in subjects if s["assessment_outcome"] == wanted]', data) == ["Sam Smith"]


def test_diagram_functions_and_builtins_win_over_data_of_the_same_name():
    data = {"today": "not a function", "len": 99, "defined": False, "range": None, "_getattr_": None}
    with using_clock(MovableClock(datetime(2025, 4, 17, 9, 0))):
        assert evaluate("today()", data) == "2025-04-17"
    assert evaluate("len([1, 2])", data) == 2
    assert evaluate('defined("len")', data) is True
    with pytest.raises(ExpressionError, match="range of more than"):
        evaluate("range(20000)", data)
    with pytest.raises(ExpressionError, match="not allowed"):
        evaluate("len.__self__", data)


def test_top_level_names_of_the_case_data_are_not_rebound():
    data = {"items": [1, 2]}
    assert evaluate("items + [3]", data) == [1, 2, 3]
    assert data == {"items": [1, 2]}


@pytest.mark.parametrize("expression", [
    "subjects.clear() or True",
    "subjects.pop() and True",
    "record.update(a=2) or True",
    "record.pop('_secret') and True",
])
def test_an_expression_cannot_change_the_case_data(expression):
    data = {"subjects": [{"id": 7}, {"id": 8}], "record": {"a": 1, "_secret": "hidden"}}
    try:
        evaluate(expression, data)
    except ExpressionError:
        pass  # refusing the expression is as good as not changing the data
    assert data == {"subjects": [{"id": 7}, {"id": 8}], "record": {"a": 1, "_secret": "hidden"}}


def test_compiled_code_is_cached_per_text():
    assert compile_expression('decision == "approve"') is compile_expression('decision == "approve"')


# Each refused expression with a fragment of the reason ExpressionError gives.
REFUSED = [
    ("f'{child_count} children'", "JoinedStr is not allowed"),
    # the RestrictedPython safe_globals escape and other dunder routes
    ("().__class__.__base__.__subclasses__()", "attribute '__"),
    ("int.mro()[1].__subclasses__()", "attribute '__subclasses__' is not allowed"),
    ("decision.__class__", "attribute '__class__' is not allowed"),
    ("min.__self__", "attribute '__self__' is not allowed"),
    ("working_days.__globals__", "attribute '__globals__' is not allowed"),
    ("f'{decision.__class__}'", 'JoinedStr is not allowed'),
    ("(s for s in subjects).gi_frame", "attribute 'gi_frame' is not allowed"),
    ("(s for s in subjects).gi_code", "attribute 'gi_code' is not allowed"),
    # imports and dangerous builtins
    ("__import__('os')", '__import__() is not a function expressions may call'),
    ("__import__('os').system('id')", "attribute 'system' is not allowed"),
    ("import os", "syntax error"),
    ("open('/etc/passwd')", 'open() is not a function expressions may call'),
    ("open('/etc/passwd').read()", "attribute 'read' is not allowed"),
    ("getattr(decision, 'upper')", 'getattr() is not a function expressions may call'),
    ("getattr", "unknown name: getattr"),
    ("type(decision)", 'type() is not a function expressions may call'),
    ("type('x', (), {})", 'type() is not a function expressions may call'),
    ("eval('1 + 1')", 'eval() is not a function expressions may call'),
    ("exec('x = 1')", 'exec() is not a function expressions may call'),
    ("compile('1', 'f', 'eval')", 'compile() is not a function expressions may call'),
    ("globals()", 'globals() is not a function expressions may call'),
    ("locals()", 'locals() is not a function expressions may call'),
    ("vars()", 'vars() is not a function expressions may call'),
    ("vars(decision)", 'vars() is not a function expressions may call'),
    ("dir()", 'dir() is not a function expressions may call'),
    ("setattr(record, 'a', 2)", 'setattr() is not a function expressions may call'),
    ("input()", 'input() is not a function expressions may call'),
    ("print('x')", 'print() is not a function expressions may call'),
    ("breakpoint()", 'breakpoint() is not a function expressions may call'),
    ("object()", 'object() is not a function expressions may call'),
    ("memoryview(b'x')", 'memoryview() is not a function expressions may call'),
    ("pow(2, 10)", 'pow() is not a function expressions may call'),
    # str.format reads attributes by name inside the format string
    ("'{0.__class__}'.format(decision)", "attribute 'format' is not allowed"),
    ("'{0.__class__.__base__.__subclasses__}'.format(1)", "attribute 'format' is not allowed"),
    ("'{x.__class__}'.format_map({'x': 1})", "attribute 'format_map' is not allowed"),
    ("str.format('{0.__class__}', 1)", "attribute 'format' is not allowed"),
    ("note.format", "attribute 'format' is not allowed"),
    # power bombs and huge ranges
    ("2 ** 10", "Pow is not allowed"),
    ("9 ** 9 ** 9", "Pow is not allowed"),
    ("'x' * 10 ** 12", "Pow is not allowed"),
    ("range(10 ** 9)", "Pow is not allowed"),
    ("range(1000000000)", "range of more than 10000 items"),
    ("list(range(10001))", "range of more than 10000 items"),
    ("sum(range(0, 10 ** 10))", "Pow is not allowed"),
    # functions and assignment
    ("lambda: 1", "Lambda is not allowed"),
    ("(lambda: __import__)()", "Lambda is not allowed"),
    ("sorted(subjects, key=lambda s: s['id'])", "Lambda is not allowed"),
    ("(y := 1)", "NamedExpr is not allowed"),
    ("x = 1", "syntax error"),
    # underscore names and attributes on data values
    ("record._secret", "attribute '_secret' is not allowed"),
    ("subjects[0]._private", "attribute '_private' is not allowed"),
    ("_x", "name '_x' is not allowed"),
    ("__builtins__", "name '__builtins__' is not allowed"),
    ("_getattr_(decision, '__class__')", '_getattr_() is not a function expressions may call'),
    ("[_ for _ in subjects]", "name '_' is not allowed"),
    # not expressions at all / too long / failing at run time
    ("", "syntax error"),
    ("decision ==", "syntax error"),
    ("x" * 2001, "longer than 2000 characters"),
    ("unknown_variable == 1", "unknown name: unknown_variable"),
    ("min([])", "ValueError"),
    ("working_days(-1)", 'ValueError: working_days takes 0 to 1000 days'),
]


@pytest.mark.parametrize("expression, reason", REFUSED, ids=[e[:60] for e, _ in REFUSED])
def test_refused_expressions_raise_expression_error(expression, reason):
    with pytest.raises(ExpressionError) as caught:
        result = evaluate(expression, DATA)
        pytest.fail(f"returned {result!r}")  # pragma: no cover - only reached if the sandbox leaks
    assert reason in caught.value.reason
    assert caught.value.reason in str(caught.value)
    assert isinstance(caught.value, ValueError)


STATIC = [e for e, r in REFUSED if "unknown name" not in r and not r.startswith("ValueError")
          and "format*()" not in r and "range of more" not in r]


@pytest.mark.parametrize("expression", STATIC, ids=[e[:60] for e in STATIC])
def test_shape_refusals_happen_at_compile_time(expression):
    """What `bpmnrun check` relies on: refused before any case data is seen."""
    with pytest.raises(ExpressionError):
        compile_expression(expression)


# `1 << n` is `2 ** n` and `s * n` repeats like `range(n)`: the same bombs as `**`, by another operator.
BOMBS = ["1 << 400000000", "'x' * 50000000", "[0] * 50000000"]


@pytest.mark.parametrize("expression", BOMBS)
def test_other_arithmetic_bombs_are_refused(expression):
    with pytest.raises(ExpressionError):
        evaluate(expression, DATA)


# --- the cost budget: a runaway expression in a deployed version fails its case, fast and small -----------

def _evaluate_in_child(expression: str, data: dict, seconds: float = 10.0) -> dict:
    """Evaluate in a forked child with a wall-clock limit and an address-space limit of its own, measuring the
    Python memory the evaluation allocated (tracemalloc's peak). A guard that stops working makes the test
    fail with "did not stop" or "crashed", instead of hanging the run or eating the machine's memory."""
    import multiprocessing
    import resource
    import time
    import tracemalloc

    def child(conn) -> None:
        with open("/proc/self/status") as status:
            vm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
        limit = (vm_kb + 512 * 1024) * 1024  # half a gigabyte more than the child starts with
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        tracemalloc.start()
        began = time.perf_counter()
        try:
            outcome = {"value": repr(evaluate(expression, data))[:200]}
        except ExpressionError as exc:
            outcome = {"reason": exc.reason}
        outcome["seconds"] = time.perf_counter() - began
        outcome["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        conn.send(outcome)

    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=child, args=(sending,))
    process.start()
    process.join(seconds)
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail(f"{expression!r} did not stop within {seconds} s: the budget did not hold")
    if not receiving.poll():
        pytest.fail(f"{expression!r} crashed the evaluating process (exit code {process.exitcode})")
    return receiving.recv()


RUNAWAYS = [
    # the process owners' own example: 10^12 steps
    "sum(1 for a in range(10000) for b in range(10000) for c in range(10000)) > 0",
    "any(a == b == c == -1 for a in range(10000) for b in range(10000) for c in range(10000))",
    # memory: each would allocate gigabytes before returning
    "'a' * 10000000000",
    "[0] * 10000000000",
    "('ab',) * 10000000000",
    "[[0] * 10000] * 10000",
    "str([[0] * 5000] * 5000)",
    "[note + note for i in range(10000) for j in range(10000)]",
    "[note.upper() for i in range(10000) for j in range(10000)]",
    "[subjects[:] for i in range(10000) for j in range(10000)]",
    "[(note, note, note, note, note, note, note, note) for i in range(10000) for j in range(10000)]",
    "{i: [0] * 1000 for i in range(10000)}",
    "sum([[0] * 1000 for i in range(10000)], [])",
    "len(list(zip(range(10000), range(10000))) * 10000)",
    # time: cheap-looking calls repeated, and C loops inside builtins
    "[sum(range(10000)) for i in range(10000)]",
    "[sorted(range(10000)) for i in range(10000)]",
    "[[0] * 5000 == [0] * 5000 for i in range(10000)]",
    "[working_days(1000) for i in range(10000)]",
    "[len(note) + len(note) + len(note) + len(note) for i in range(10000) for j in range(10000)]",
    "9999999999999999999999 * 9999999999999999999999 * 9999999999999999999999 * 9999999999999999999999 > 0 "
    "and [99999999999999999999999999999 * 99999999999999999999999999999 for i in range(10000) "
    "for j in range(10000)]",
]


@pytest.mark.parametrize("expression", RUNAWAYS, ids=[e[:50] for e in RUNAWAYS])
def test_a_runaway_expression_stops_with_a_clear_error_and_little_memory(expression):
    outcome = _evaluate_in_child(expression, DATA)
    assert outcome.get("reason", "").startswith("stopped: it "), outcome
    assert "expressions must stay small" in outcome["reason"]
    assert outcome["peak_mb"] < 8, outcome  # a few MB at most, whatever the expression asks for


def test_bytes_literals_are_refused_when_compiled():
    with pytest.raises(ExpressionError, match=r"bytes \(b'…'\) are not allowed: write text in plain quotes"):
        compile_expression("b'a' * 10000000000")


def test_the_guards_cannot_be_named_by_an_expression():
    for name in ("bpmnrun_call", "bpmnrun_new", "bpmnrun_compared", "bpmnrun_operate"):
        with pytest.raises(ExpressionError, match=f"name '{name}' is not allowed"):
            compile_expression(f"[{name}][0](len, [1])")


def test_sum_adds_numbers_only():
    with pytest.raises(ExpressionError, match="sum\\(\\) adds numbers only"):
        evaluate("sum([[1], [2]], [])", DATA)


@pytest.mark.parametrize("expression, expected", [
    # what diagrams really write stays far inside the budget, on data of a realistic size
    ('children(outcome, "proceed")', [{"id": 7, "name": "Josie Smith"}]),
    ("len(record_of_contacts) == 300 and record_of_contacts[-1]['details'].startswith('call')", True),
    ('"call 299" in [r["details"] for r in record_of_contacts]', True),
    ("working_days(5, '2025-04-17') < working_days(10, '2025-04-17')", True),
    ("sorted(list(range(1000)) + list(range(1000)))[-1]", 999),
])
def test_realistic_expressions_fit_the_budget(expression, expected):
    data = {"subjects": [{"id": 7, "name": "Josie Smith"}, {"id": 8, "name": "Sam Smith"}],
            "outcome": {"7": "proceed", "8": "closed"},
            "record_of_contacts": [{"details": f"call {i}", "person": "GP"} for i in range(300)]}
    assert evaluate(expression, data) == expected


def test_each_evaluation_has_its_own_budget():
    expression = "len([i for i in range(10000)])"
    for _ in range(20):  # 200,000 steps in all: more than one budget, but each evaluation is small
        assert evaluate(expression, DATA) == 10000


def test_children_and_the_children_left_out():
    data = {"subjects": [{"id": 1, "name": "Josie"}, {"id": 2, "name": "Joy"}, {"id": 3, "name": "Johnny"}],
            "picked": ["2"], "outcome": {"1": "stay", "2": "go", "3": "go"}}
    assert [s["name"] for s in evaluate("children(picked)", data)] == ["Joy"]
    assert [s["name"] for s in evaluate("children_except(picked)", data)] == ["Josie", "Johnny"]
    assert [s["name"] for s in evaluate('children_except(outcome, "go")', data)] == ["Josie"]
