"""Issue 12 (and issue 11, item 5): names in generated code never collide; generated functions check inputs.

See docs/codegen.md, "Names" and "Input checks".
"""

from __future__ import annotations

import numpy as np
import pytest

import matcalc as mc
from matcalc.codegen.names import RESERVED, python_name

SIG = mc.parse("sigmoid(x)")


@pytest.mark.parametrize(
    "name", ["np", "_sigmoid", "\uff46", "\uff4e\uff50", "float", "print", "lambda", "range", "max"]
)
def test_function_names_never_break_the_module(name: str) -> None:
    # np shadowed numpy; _sigmoid recursed forever; fullwidth f and np (NFKC) gave KeyError
    f = mc.lambdify(SIG, name=name)
    assert np.allclose(f(np.zeros(2)), 0.5)
    assert f.__name__ == python_name(name, "function name")
    assert f.__name__ not in RESERVED


def test_keyword_and_builtin_symbols_become_parameters_with_an_underscore() -> None:
    # issue 11, item 5: names from papers, such as lambda
    e = mc.parse("lambda*norm2(x)^2+print", {"lambda": "scalar", "print": "scalar"})
    f = mc.lambdify(e)
    assert "def f(lambda_, print_, x)" in f.__matcalc_source__
    assert f(lambda_=2.0, print_=1.0, x=np.ones(2)) == 5.0
    g = mc.lambdify(mc.diff(e, "x"))
    assert np.allclose(g(lambda_=2.0, x=np.array([1.0, 3.0])), [4.0, 12.0])


def test_symbol_and_abstract_function_parameter_of_one_name() -> None:
    e = mc.parse("L(x)*grad_L", {"L": "scalar function", "grad_L": "scalar"})
    f = mc.lambdify({"f": e, "g": mc.diff(e, "x")})
    assert "def f(L, grad_L, grad_L_, x)" in f.__matcalc_source__
    out = f(L=lambda u: u @ u, grad_L=3.0, grad_L_=lambda u: 2 * u, x=np.array([1.0, 2.0]))
    assert out["f"] == 15.0 and np.allclose(out["g"], [6.0, 12.0])


def test_function_named_like_the_library() -> None:
    src = mc.numpy_code(mc.parse("np(x)+exp(x)", {"np": "vector function"}))
    assert "import numpy as np\n" in src and "def f(np_, x)" in src and "np_(x) + np.exp(x)" in src


def test_output_names_with_nul_and_backslash() -> None:
    f = mc.lambdify({"a\0b\\": mc.parse("x+y"), "\uff46": mc.parse("x-y")})
    out = f(np.ones(2), np.ones(2))
    assert set(out) == {"a\0b\\", "\uff46"} and "a\\x00b" in (f.__doc__ or "")


def test_names_that_are_not_identifiers_are_refused() -> None:
    for name in ("1x", "f-g", "", 3):
        with pytest.raises(mc.MatcalcError, match=r"function name|must be a string"):
            mc.numpy_code(SIG, name=name)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["float", "print", "range", "max", "lambda", "\uff46"])
def test_cli_code_module_runs_with_any_name(name: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import runpy

    from matcalc.cli import main

    assert main(["code", "norm2(X*w-y)^2", "--wrt", "w", "--name", name]) == 0
    path = tmp_path / "m.py"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    namespace = runpy.run_path(str(path))
    error = namespace[f"check_{python_name(name, 'function name')}"]()
    assert error < 1e-6


@pytest.mark.parametrize("name", ["rng", "inputs", "np", "variable"])
def test_cli_code_refuses_names_the_check_uses(name: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from matcalc.cli import main

    assert main(["code", "norm2(X*w-y)^2", "--wrt", "w", "--name", name]) == 2
    assert "the gradient check uses" in capsys.readouterr().err
