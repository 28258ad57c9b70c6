"""The LaTeX test table: expressions covering every node type, and the render corpus.

`CASES` feeds the golden snapshots (tests/snapshots/latex/<name>.txt) and,
with every identity of `matcalc.cookbook`, the KaTeX corpus (`corpus`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import matcalc as mc
from matcalc import build
from matcalc.cookbook import IDENTITIES, by_name
from matcalc.expr import Expr
from matcalc.index import Factor, Term, fresh_like, index_form

_SYM = {"S": "symmetric"}


@dataclass(frozen=True)
class Case:
    """One snapshot: an expression (or the derivative of one), printed in the listed forms."""

    name: str
    expr: str = ""
    kinds: Mapping[str, str] = field(default_factory=dict)
    wrt: tuple[str, ...] = ()
    where: bool = False  # also snapshot the where=True forms
    make: Callable[[], Expr] | None = None

    def build(self) -> Expr:
        if self.make is not None:
            return self.make()
        f = mc.parse(self.expr, self.kinds)
        return mc.diff(f, *self.wrt) if self.wrt else f

    @property
    def title(self) -> str:
        if self.make is not None:
            return self.make.__doc__ or self.name
        return f"{self.expr} by {', '.join(self.wrt)}" if self.wrt else self.expr

    def forms(self) -> dict[str, str]:
        """Form label -> LaTeX."""
        e = self.build()
        out = {"matrix": mc.latex(e), "index": mc.latex(e, form="index")}
        if self.where:
            out["matrix, where"] = mc.latex(e, where=True)
            out["index, where"] = mc.latex(e, form="index", where=True)
        return out


def _recipe(name: str, where: bool = False) -> Case:
    r = by_name(name)
    return Case(name, r.expr, r.kinds, r.wrt, where)


def _exp_of_index_form() -> Expr:
    """exp of an index form (the transpose of A kept in index notation)."""
    a = mc.parse("A")
    i, j = fresh_like(a.shape[::-1])
    return build.apply("exp", index_form((i, j), [Term(1, (Factor(a, (j, i)),))]))


def _deep_net() -> str:
    return "norm2(W3*tanh(W2*tanh(W1*x)))^2"


_S, _V = "scalar", "vector"

CASES: list[Case] = [
    # abstract functions: the loss L through an affine map (backpropagation's dL/dW)
    Case("function_gradient", "L(W*x+b)", {"L": "scalar function", "b": _V}, ("W",)),
    Case("matrix_function", "F(W)*x0", {"F": "matrix function"}, ("W",)),
    # a function of several arguments: its Hessian has the mixed partial ∂₁∂₂f
    Case("partials", "f(A*x, x+y)", {"f": "scalar function"}, ("x", "x")),
    # leaves and names
    Case("names", "alpha*W1*x0 + lambda_1*bias + x_max",
         {"alpha": _S, "lambda_1": _S, "bias": _V, "x_max": _V}),
    Case("greek_symmetric", "x'*inv(Sigma)*x", {"Sigma": "symmetric"}),
    Case("numbers", "0.5*A - 2.5e-8*B + 1/3*C + 1e20*D"),
    Case("eye_ones", "A + eye + matrix(1)"),
    Case("ones_vector", "vector(1)'*x + x'*(y + vector(1))"),
    Case("zero_matrix", "A*y+0*x", wrt=("x",)),
    # sums and products
    Case("sum_signs", "A - 2*B + C' - (D + E)"),
    Case("scale_coefficients", "(x'*y)*z + (a+b)*z + tr(A)*det(B)*z - a/b*z"),
    Case("matmul", "x'*A*y + u'*B*C*v"),
    Case("outer", "x*y'*A"),
    Case("transpose", "(A*B)' + A' + inv(A)' + (A')^2"),
    Case("hadamard", "x.*(A*y) - (x.*y).*z"),
    Case("elementwise_division", "x./y + x/a + 1./x"),
    Case("scalar_division", "a/b - c/(a+b) + (-a)/b"),
    Case("powers_vector", "x.^2 + x.^y"),
    Case("powers_scalar", "a^b + (a/b)^2 + norm2(x)^2"),
    Case("matrix_powers", "A^3 + inv(A) + (A*B)^2"),
    # functions
    Case("functions_1", "exp(x) + log(x) + sin(x) + cos(x) + tan(x) + arcsin(x) + arccos(x) + arctan(x)"),
    Case("functions_2", "sinh(x) + cosh(x) + tanh(x) + sigmoid(x) + relu(x) + sign(x) + step(x)"),
    Case("sqrt_abs", "sqrt(a/b) + abs(a/b) + abs(x'*y) + sqrt(a)"),
    Case("trace_det_logdet", "tr(A*B) + det(A)*logdet(B) - logdet(S)"),
    Case("diag", "diag(x)*A*diag(B)"),
    Case("sum_entries", "sum(x) + sum(A*B) + sum(x.*y)"),
    Case("norms", "norm2(x) + norm1(x) + norm2(A) + norm1(A)"),
    Case("softmax", "softmax(W*x)'*y"),
    Case("extrema", "max(x) - min(A) + sum(max(x, y)) + sum(min(x, 0)) + ismax(x)'*ismin(y)"),
    Case("extrema_axes", "sum(max(X*W, [], 2)) - y'*min(X, [], 1)' + sum(ismax(X, 1).*ismin(X, 2))"),
    Case("extrema_axes_gradient", "sum(max(X*W, [], 2)) - y'*min(X*W, [], 1)'", wrt=("W",)),
    Case("gamma", "sum(lgamma(x)) + digamma(a) + trigamma(x)'*polygamma(3, x)"),
    Case("axes", "sum(softmax(X*W, 2).*Y) + sum(logsumexp(X, 1)) + mean(X, 2)'*y + logsumexp(x)"),
    Case("matrix_functions", "tr(expm(A)) + tr(logm(S)*sqrtm(S)) + tr(S^c) + tr(L_logm(S, B))", _SYM),
    Case("spectral", "eigvals(S)'*svdvals(X) + nuclear_norm(X) + spectral_norm(A) + tr(chol(S))", _SYM),
    Case("frechet_adjoint", "tr(A*expm(X))", wrt=("X",)),
    Case("frechet_kernel", "expm(X)", wrt=("X",)),
    Case("chol_gradient", "norm2(chol(S)*z)^2", {"S": "symmetric", "z": "vector"}, ("S",)),
    Case("kron_vec", "x'*kron(A, B)*y + vec(X)'*vec(A*X*B') + sum(kron(x, y'))"),
    Case("commutation",
         "vec(X)'*commutation(size(X, 1), size(X, 2))*vec(Y) + z'*symmetrizer(size(S, 1))*vec(S)",
         {"S": "matrix", "z": "vector"}),
    _recipe("vec_AXB"),  # the pair index δ[r,(a,b)] in index form
    # index forms
    _recipe("jac_Wx_by_W"),
    _recipe("inv_X_entries"),
    _recipe("XtBX_by_X"),
    _recipe("third_quadratic"),
    _recipe("third_logistic", where=True),
    Case("index_form_inside", make=_exp_of_index_form),
    # derivatives
    _recipe("tanh_net_W1", where=True),
    _recipe("hessian_logistic", where=True),
    _recipe("jac_softmax"),
    _recipe("hessian_unit", where=True),
    _recipe("hessian_rayleigh", where=True),
    _recipe("gauss_sigma"),
    _recipe("det_X3"),
    _recipe("softmax_xent_W"),
    _recipe("softmax_xent_batch"),
    Case("deep_network", _deep_net(), wrt=("W1",), where=True),
]  # fmt: skip


def corpus() -> Iterator[str]:
    """Every LaTeX string to render: each identity (input and derivative) in each form, the table.

    The forms: matrix and index, each plain and with ``where=True``, and the
    Jupyter display.
    """
    for r in IDENTITIES:
        f = mc.parse(r.expr, r.kinds)
        for e in (f, mc.diff(f, *r.wrt)):
            for form in ("matrix", "index"):
                yield mc.latex(e, form=form)
                yield mc.latex(e, form=form, where=True)
            repr_latex = e._repr_latex_()
            assert repr_latex.startswith("$$") and repr_latex.endswith("$$")
            yield repr_latex[2:-2]
    for case in CASES:
        yield from case.forms().values()
    for text, wrt in (("W*x", "W"), ("x'*A*x", "x"), ("sum(log(1+exp(-y.*(X*w))))", "w"), ("logdet(S)", "S")):
        yield mc.explain(mc.parse(text, {"S": "symmetric"}), wrt).latex()


def vec_corpus() -> Iterator[str]:
    """The vec (Kronecker) form of every first derivative of the identities."""
    for r in IDENTITIES:
        if r.order == 1:
            yield mc.latex(mc.parse(r.expr, r.kinds), form="vec", wrt=r.wrt[0])
