"""The cost budget of one evaluation: a runaway expression fails its case in milliseconds, never a worker.

`bpmnrun check` refuses loops and repetition in new diagrams, but a version already deployed may hold
`sum(1 for a in range(10000) for b in range(10000) …)` or `"x" * 10000000000`. The evaluator therefore
rewrites every expression so that the work it does goes through this module:

- every step of a loop (`for` in a comprehension or generator) costs a step;
- every call costs the size of what it walks (its arguments, and the receiver of a method) in steps before
  it runs, and the size of what it returns in cells;
- every list, tuple, set or dict the expression builds, every slice and every result of `+`, `*`, `|`, …
  costs its size in cells; `*` and `+` are refused BEFORE they allocate when the result would not fit;
- every operand of a comparison costs its size in steps (`==` and `in` walk whole structures).

Sizes are deep (a list of ten copies of a 1,000-item list costs 10,000), because that is what comparing,
hashing or printing it walks; they are remembered per object, so charging the same object again is cheap.
A cell is about one pointer (8 bytes) of memory, so the cell budget bounds what an evaluation can
allocate to a few MB; the step budget bounds its time to tens of milliseconds.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import Any, Callable, Iterable

from . import time_functions

MAX_STEPS = 50_000
MAX_CELLS = 250_000
MAX_INT_BITS = 64_000  # far beyond any number a case holds; big-number arithmetic costs quadratic time
MAX_DEPTH = 100  # case data is JSON a few levels deep

SCALARS = (int, float, bool, type(None), complex)
TEXT = (str, bytes, bytearray)
SEQUENCES = (str, bytes, bytearray, list, tuple)


class CostExceeded(Exception):
    """The evaluation went over its budget; the evaluator turns this into an ExpressionError."""


# Builtins that only look at their argument, never walk it: no input cost.
_LOOKERS = {builtins.len, builtins.isinstance, builtins.bool, builtins.abs, builtins.int, builtins.float,
            builtins.round}
# Methods that look up one key or return a lazy view: the receiver is not walked.
_LOOKUP_METHODS = {"get", "keys", "values", "items"}
# Builtins that walk an iterable they are given: an iterator argument is counted item by item.
_WALKERS = {builtins.list, builtins.tuple, builtins.set, builtins.dict, builtins.sorted, builtins.sum,
            builtins.min, builtins.max, builtins.any, builtins.all, builtins.enumerate, builtins.zip}


class Budget:
    """Steps and cells left to one evaluation. Its methods are what the rewritten expression calls."""

    def __init__(self, max_steps: int = MAX_STEPS, max_cells: int = MAX_CELLS) -> None:
        self.max_steps, self.max_cells = max_steps, max_cells
        self.steps = 0
        self.cells = 0
        # id → (object, deep size); the object is kept so its id is not reused while we remember it.
        self._sizes: dict[int, tuple[Any, int]] = {}
        # id → object already paid for (or given: the case data), so handing it on again costs nothing.
        self._paid: dict[int, Any] = {}

    def given(self, values: Iterable[Any]) -> None:
        """Values the expression did not build (the case data): returning them is not building anything."""
        for value in values:
            self._paid[id(value)] = value

    # --- accounting -----------------------------------------------------------------------------------

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.max_steps:
            raise CostExceeded(f"it takes more than {self.max_steps:,} steps: expressions must stay small "
                               "(no loops over large data)")

    def allocate(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.max_cells:
            raise CostExceeded(f"it builds more than {self.max_cells:,} items of data: expressions must stay small")

    def size(self, obj: Any, depth: int = 0) -> int:
        """Deep size in cells, walked at most as far as the budget left: a huge structure fails fast."""
        if isinstance(obj, SCALARS):
            return 1 + (obj.bit_length() // 64 if isinstance(obj, int) else 0)
        if isinstance(obj, TEXT):
            return 1 + len(obj) // 8
        if isinstance(obj, (range, KeysView, ValuesView, ItemsView)):
            return 1 + len(obj)
        known = self._sizes.get(id(obj))
        if known is not None and known[0] is obj:
            return known[1]
        if not isinstance(obj, (list, tuple, set, frozenset, dict)):
            return 1  # an iterator, a view, a function: walked only through the counted iterator
        if depth > MAX_DEPTH:
            raise CostExceeded(f"its data is nested more than {MAX_DEPTH} levels deep")
        limit = self.max_cells + self.max_steps
        total = 1 + len(obj) * (2 if isinstance(obj, dict) else 1)
        items = obj.items() if isinstance(obj, dict) else obj
        for item in items:
            if isinstance(obj, dict):
                total += self.size(item[0], depth + 1) + self.size(item[1], depth + 1)
            else:
                total += self.size(item, depth + 1)
            if total > limit:
                raise CostExceeded(f"it handles more than {limit:,} items of data: expressions must stay small")
        self._sizes[id(obj)] = (obj, total)
        return total

    def new(self, obj: Any) -> Any:
        """Something the expression built (a display, a comprehension, a call's result): charge its size.
        A number is not kept unless something holds it, and what holds it is charged for it."""
        if isinstance(obj, (*SCALARS, range)) or self._paid.get(id(obj)) is obj:
            return obj  # a range is lazy: walking it is what costs
        self.allocate(self.size(obj))
        self._paid[id(obj)] = obj
        return obj

    # --- the guards the rewritten expression calls ----------------------------------------------------

    def iterate(self, obj: Any) -> Iterator[Any]:
        """`_getiter_`: each step of a `for` costs one step."""
        for item in iter(obj):
            self.spend(1)
            yield item

    def compared(self, obj: Any) -> Any:
        """An operand of `==`, `<`, `in`, …: comparing walks it."""
        self.spend(self.size(obj))
        return obj

    def getitem(self, obj: Any, key: Any) -> Any:
        self.spend(1)
        if not isinstance(key, (str, int)):
            self.spend(self.size(key))  # a tuple key is hashed deeply
        value = obj[key]
        if isinstance(key, slice):
            self.new(value)  # a slice is a copy
        return value

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.spend(1 + _work_of(func, args))
        receiver = getattr(func, "__self__", None)
        name = getattr(func, "__name__", "")
        if func in _WALKERS:
            args = tuple(self._walked(a) if n == 0 or func is builtins.zip else a for n, a in enumerate(args))
            if func is builtins.sum:
                _check_sum_start(args, kwargs)
        if func not in _LOOKERS:
            cost = sum(self.size(a) for a in (*args, *kwargs.values()))
            if receiver is not None and not isinstance(receiver, type(builtins)) and name not in _LOOKUP_METHODS:
                cost += self.size(receiver)
            if func is builtins.sorted and args:
                cost *= max(1, int(math.log2(self.size(args[0]) + 1)))
            self.spend(cost)
        return self.new(func(*args, **kwargs))

    def _walked(self, arg: Any) -> Any:
        # A sized argument is paid for by its size; a lazy one (a generator, zip, …) item by item as consumed.
        return self.iterate(arg) if isinstance(arg, Iterator) else arg

    def operate(self, op: str, a: Any, b: Any) -> Any:
        """`a + b`, `a * b`, `a % b`, `a | b`, …: sizes checked before anything is allocated."""
        self.spend(1)
        if op == "multiply":
            self._check_repeat(a, b)
        elif op == "modulo" and isinstance(a, TEXT):
            raise ValueError("string formatting is not allowed")
        if isinstance(a, int) and isinstance(b, int):
            self._check_numbers(op, a, b)
        elif op == "add" and isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
            self.allocate(self.size(a) + self.size(b))
        elif op in ("or", "and", "xor", "subtract") and isinstance(a, (set, frozenset, dict)):
            self.spend(self.size(a) + self.size(b))
        return self.new(_OPERATIONS[op](a, b))

    def _check_repeat(self, a: Any, b: Any) -> None:
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, SEQUENCES) and isinstance(n, int):
                each = len(seq) // 8 + 1 if isinstance(seq, TEXT) else self.size(seq)
                if n > 0 and each * n > self.max_cells - self.cells:
                    raise CostExceeded(f"it builds more than {self.max_cells:,} items of data (a "
                                       f"{type(seq).__name__} repeated {n:,} times): expressions must stay small")

    def _check_numbers(self, op: str, a: int, b: int) -> None:
        bits = (abs(a).bit_length(), abs(b).bit_length())
        if op == "multiply" and sum(bits) > MAX_INT_BITS:
            raise CostExceeded(f"it makes a number of more than {MAX_INT_BITS:,} bits")
        limbs = (bits[0] // 64 + 1, bits[1] // 64 + 1)
        if op in ("multiply", "divide", "floor_divide", "modulo"):
            self.spend(limbs[0] * limbs[1])

    def scope(self) -> dict[str, Any]:
        """The names the rewritten expression calls, bound to this budget."""
        return {
            "_getiter_": self.iterate, "_getitem_": self.getitem,
            GUARD_CALL: self.call, GUARD_NEW: self.new, GUARD_COMPARED: self.compared, GUARD_OPERATE: self.operate,
        }


# The date functions do work their arguments do not show: a year of bank holidays to compute (about 0.2 ms
# the first time), a day-by-day walk over working days or duty windows.
_DATE_FUNCTION_COST = 200


def _work_of(func: Callable[..., Any], args: tuple) -> int:
    name = getattr(func, "__name__", "")
    if time_functions.FUNCTIONS.get(name) is not func:
        return 0
    if name == "working_days" and args and isinstance(args[0], int):
        # about 1.4 calendar days per working day, each a bank holiday lookup
        return _DATE_FUNCTION_COST + 3 * max(0, min(args[0], time_functions.MAX_WORKING_DAYS))
    if name in ("duty_window", "duty_window_end"):
        return _DATE_FUNCTION_COST + 400  # calendar.duty_window looks up to 400 days ahead
    return _DATE_FUNCTION_COST


def _check_sum_start(args: tuple, kwargs: dict) -> None:
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if not isinstance(start, (int, float)):
        raise ValueError("sum() adds numbers only")


_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b, "floor_divide": lambda a, b: a // b, "modulo": lambda a, b: a % b,
    "or": lambda a, b: a | b, "and": lambda a, b: a & b, "xor": lambda a, b: a ^ b,
}

# Names of the guards in an expression's scope. They start with "bpmnrun_" (RestrictedPython refuses a
# leading underscore in what it compiles), and an expression that names them itself is refused.
GUARD_CALL = "bpmnrun_call"
GUARD_NEW = "bpmnrun_new"
GUARD_COMPARED = "bpmnrun_compared"
GUARD_OPERATE = "bpmnrun_operate"
GUARD_NAMES = frozenset({GUARD_CALL, GUARD_NEW, GUARD_COMPARED, GUARD_OPERATE})
