"""Integer comparisons and arithmetic compiled in line (compile/intops.py): TLC's values and
TLC's errors (32-bit overflow, an operand that is no integer), the operands read in order."""

import pytest

from conformance.tla.builtins.numbers import minus, plus, times
from conformance.tla.compile.code import Code
from conformance.tla.compile.intops import in_line
from conformance.tla.errors import EvalError
from conformance.values import FSet


@pytest.mark.parametrize("expr, value", [
    ("{x + y : x \\in {1, 2}, y \\in {10, -3}}", FSet({11, 12, -2, -1})),
    ("{x - y : x \\in {1}, y \\in {5, -5}}", FSet({-4, 6})),
    ("{x * y : x \\in {-3, 4}, y \\in {7}}", FSet({-21, 28})),
    ("{x \\in -2..2 : x < 1}", FSet({-2, -1, 0})),
    ("{x \\in -2..2 : x > 1}", FSet({2})),
    ("{x \\in -2..2 : x =< 0}", FSet({-2, -1, 0})),
    ("{x \\in -2..2 : x >= 2}", FSet({2})),
    ("{x \\in {2147483646} : x + 1 > x}", FSet({2147483646})),  # INT_MAX itself is one
])
def test_values_are_tlcs(tla, expr, value):
    assert tla(expr) == value


@pytest.mark.parametrize("expr, message", [
    ("\\E x \\in {2147483647} : x + 1 > 0", "Overflow when computing 2147483647+1"),
    ("\\E x \\in {-2147483647} : x - 2 > 0", "Overflow when computing -2147483647-2"),
    ("\\E x \\in {65536} : x * x > 0", "Overflow when computing 65536*65536"),
    ("\\E x \\in {TRUE} : x < 1",
     "The first argument of < should be an integer, but instead it is:\nTRUE"),
    ('\\E x \\in {"a"} : 1 >= x',
     'The second argument of geq should be an integer, but instead it is:\n"a"'),
    ("\\E x \\in {<<>>} : x + 1 > 0", "The first argument of + should be an integer"),
])
def test_errors_are_tlcs(tla, expr, message):
    with pytest.raises(EvalError) as e:
        tla(expr)
    assert message in str(e.value)


def test_operands_are_read_in_line_and_in_order():
    read: list[str] = []

    def operand(name, v):
        def fn(E):
            read.append(name)
            return v
        return Code(fn, 1)
    for f, want in ((plus, 7), (minus, 1), (times, 12)):
        g = in_line(f, [operand("a", 4), operand("b", 3)], None)
        assert g is not None and g.__name__ == "intop"
        assert g((None, None)) == want
    assert read == ["a", "b"] * 3
    slot = Code(lambda E: E[2], 0)
    slot.fn.leaf = ("slot", 2)  # type: ignore[attr-defined]
    g = in_line(plus, [slot, operand("b", 1)], None)
    assert g is not None and g((None, None, 41)) == 42
