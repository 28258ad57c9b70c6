"""The web API's computations (matcalc.web.service), without a server or a web library."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import matcalc as mc
from matcalc.gradcheck import value_and_gradient
from matcalc.testing import numeric_derivative
from matcalc.web import service
from matcalc.web.service import RequestError

ALL_ONES = "(x'*vector(1))*vector(1)"  # the tutorial's third answer to d(Wx)/dW


def _error(task, request) -> RequestError:
    with pytest.raises(RequestError) as info:
        service.handle(task, request)
    json.dumps(info.value.to_json())  # always JSON
    return info.value


GUESSED = {"decided": "guessed", "guessed": True}


def test_derivative_of_w_x_by_w_in_every_form():
    answer = service.handle("derivative", {"expression": "W*x", "wrt": ["W"], "steps": True})
    d = answer["derivative"]
    assert d["text"] == str(mc.diff(mc.parse("W*x"), "W"))
    assert d["latex"]["vec"] == r"x^\top \otimes I_{n}"
    assert r"\delta_{ij}" in d["latex"]["index"]
    assert d["shape"]["dims"] == ["W.0", "W.0", "W.1"]
    assert d["steps"][0]["title"] == "The expression"
    assert any("Contract" in s["title"] for s in d["steps"])
    assert answer["symbols"] == [
        {"name": "W", "kind": "matrix", "dims": ["W.0", "W.1"], "function": False, **GUESSED},
        {"name": "x", "kind": "vector", "dims": ["W.1"], "function": False, **GUESSED},
    ]
    json.dumps(answer)


def test_steps_only_when_asked_for():
    assert service.handle("derivative", {"expression": "W*x", "wrt": ["W"]})["derivative"]["steps"] is None
    assert _error("derivative", {"expression": "W*x", "wrt": ["W"], "steps": "yes"}).field == "steps"


def test_given_kinds_are_not_guessed_and_change_the_result():
    request = {"expression": "x'*S*x", "wrt": ["x"], "kinds": {"S": "symmetric"}}
    answer = service.handle("derivative", request)
    assert answer["guessed"] == ["x"]
    assert answer["kinds"] == {"S": "symmetric", "x": "vector"}
    assert answer["derivative"]["text"] == "2*S*x"


def test_kinds_inferred_from_use_are_not_reported_as_guessed():
    # lam is a scalar because it scales a scalar; no first letter decided it (issue 11)
    request = {"expression": "norm2(X*w-y)^2 + lam*norm2(w)^2", "wrt": ["w"]}
    answer = service.handle("derivative", request)
    assert answer["kinds"]["lam"] == "scalar"
    assert "lam" not in answer["guessed"]
    assert set(answer["guessed"]) <= {"X", "w", "y"}
    assert answer["derivative"]["shape"]["dims"] == answer["symbols"][
        [s["name"] for s in answer["symbols"]].index("w")
    ]["dims"]


def test_hessian_and_mixed_orders_and_the_vec_form_of_the_last_variable():
    hessian = service.handle("derivative", {"expression": "x'*A*x", "wrt": ["x", "x"]})["derivative"]
    assert hessian["text"] == "A+A'"
    assert hessian["latex"]["vec"] == mc.latex(mc.diff(mc.parse("x'*A*x"), "x"), form="vec", wrt="x")
    mixed = service.handle("derivative", {"expression": "x'*A*y", "wrt": ["x", "y"]})["derivative"]
    assert mixed["text"] == "A"


def test_where_form_names_shared_subexpressions():
    answer = service.handle("derivative", {"expression": "sum(exp(A*x))^2", "wrt": ["x"]})
    where = answer["derivative"]["latex"]["where"]
    assert r"\text{where }" in where
    assert where == mc.latex(mc.diff(mc.parse("sum(exp(A*x))^2"), "x"), where=True)


def test_function_kinds():
    request = {"expression": "L(W*x+b)", "wrt": ["W"], "kinds": {"L": "scalar function", "b": "vector"}}
    answer = service.handle("derivative", request)
    assert answer["derivative"]["text"] == "grad(L)(W*x+b)*x'"
    assert [s["name"] for s in answer["symbols"] if s["function"]] == ["L"]


def test_no_wrt_describes_the_expression_only():
    answer = service.handle("derivative", {"expression": "X*w-y"})
    assert answer["derivative"] is None
    assert answer["shape"] == {"dims": ["X.0"], "text": "column vector of length X.0"}


@pytest.mark.parametrize(
    ("expression", "kind", "position"),
    [
        ("x*x", "ShapeError", 1),
        ("x+)", "ParseError", 2),
        ("A*x + 3$", "ParseError", 7),
        ("tr(x')", "ShapeError", 0),  # tr(x) makes x a matrix (a reduced name is not a scalar)
    ],
)
def test_errors_carry_the_caret_position(expression, kind, position):
    error = _error("derivative", {"expression": expression, "wrt": ["x"]})
    assert (error.status, error.kind, error.field, error.position) == (422, kind, "expression", position)
    assert "\n" not in error.message  # the caret is the client's to draw


def test_claim_errors_point_into_the_claim():
    error = _error("check", {"expression": "W*x", "wrt": ["W"], "claim": "x*x'*"})
    assert (error.status, error.field, error.position) == (422, "claim", 5)


def test_the_all_ones_claim_is_refuted_with_a_counterexample_that_shows_it():
    answer = service.handle("check", {"expression": "W*x", "wrt": ["W"], "claim": ALL_ONES})
    assert answer["ok"] is False and answer["verdict"] == "claim refuted"
    assert answer["explanation"].startswith("The claim has the wrong shape.")
    assert answer["shape_expected"] == [3, 3, 4] and answer["shape_claimed"] == [3]
    values = {name: np.array(v) for name, v in answer["counterexample"].items()}
    # at the counterexample, finite differences (no matcalc rules) disagree with the claim
    numeric = numeric_derivative(mc.parse("W*x"), "W", values)
    assert numeric.shape == tuple(answer["shape_expected"]) != tuple(answer["shape_claimed"])
    assert np.allclose(numeric[0, 1], 0, atol=1e-6)  # (Wx)_0 does not depend on W's second row
    assert np.allclose(numeric[0, 0], values["x"], atol=1e-6)  # and depends on its first row by x, not 1
    json.dumps(answer)


def test_a_right_claim_is_accepted():
    answer = service.handle("check", {"expression": "x'*A*x", "wrt": ["x"], "claim": "(A+A')*x"})
    assert answer["ok"] is True and answer["counterexample"] is None
    assert answer["max_error"] < 1e-9


@pytest.mark.parametrize("backend", service.BACKENDS)
def test_code_is_matcalcs_value_and_gradient_module(backend):
    request = {"expression": "norm2(X*w-y)^2", "wrt": ["w"], "backend": backend}
    answer = service.handle("code", request)
    assert answer["code"] == value_and_gradient(mc.parse("norm2(X*w-y)^2"), ["w"], "f", backend)
    assert answer["filename"] == "f.py"
    assert "def check_f(" in answer["code"]


def test_generated_numpy_code_passes_its_own_gradient_check(tmp_path):
    source = service.handle("code", {"expression": "sum(log(1+exp(-y.*(X*w))))", "wrt": ["w"]})["code"]
    path = tmp_path / "f.py"
    path.write_text(source)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("request_", "status", "field"),
    [
        ({"expression": "x" * (service.MAX_EXPRESSION + 1)}, 413, "expression"),
        ({"expression": 3}, 400, "expression"),
        ({"expression": "   "}, 422, "expression"),
        ({"expression": "x", "wrt": "x" * 100}, 422, "wrt"),
        ({"expression": "x", "wrt": ["x"] * (service.MAX_ORDER + 1)}, 422, "wrt"),
        ({"expression": "x", "wrt": [1]}, 400, "wrt"),
        ({"expression": "x", "kinds": {"x": "tensor"}}, 422, "kinds"),
        ({"expression": "x", "kinds": {"__import__('os')": "vector"}}, 422, "kinds"),
        ({"expression": "x", "kinds": [["x", "vector"]]}, 400, "kinds"),
        (
            {"expression": "x", "kinds": {f"a{i}": "scalar" for i in range(service.MAX_SYMBOLS + 1)}},
            422,
            "kinds",
        ),
    ],
)
def test_bad_requests_are_answered_with_a_status_and_the_field(request_, status, field):
    error = _error("derivative", request_)
    assert (error.status, error.field) == (status, field)


def test_bad_code_requests():
    assert _error("code", {"expression": "x'*x", "wrt": ["x"], "backend": "tensorflow"}).field == "backend"
    assert _error("code", {"expression": "x'*x", "wrt": ["x"], "name": "import os"}).field == "name"
    assert _error("code", {"expression": "x'*x", "wrt": ["x"], "name": "lambda"}).field == "name"
    assert _error("check", {"expression": "x'*x", "claim": "2*x"}).field == "wrt"
    assert _error("nope", {}).status == 404
    assert _error("derivative", ["W*x"]).status == 400


def test_user_text_is_never_evaluated():
    error = _error("derivative", {"expression": "__import__('os').system('true')", "wrt": ["x"]})
    assert error.status == 422 and error.kind == "ParseError"


def test_importing_matcalc_and_its_cli_does_not_import_the_web_stack():
    code = (
        "import sys, matcalc, matcalc.cli, matcalc.web.service\n"
        "print(sorted({'starlette', 'uvicorn'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
