"""The spike behind issue 9's design decision: what an equality-saturation pass would cost.

    pip install egglog        # not a matcalc dependency; only this script needs it
    python benchmarks/egglog_spike.py

It translates matcalc expressions (the derivatives of the issue 9 cases as the
engine printed them before the issue 9 rules, parsed back) into egglog terms,
declares a small rule set (commutativity and associativity of ``+`` and ``.*``,
associativity of ``*``, distributivity of ``.*`` over ``+`` both ways, quotient
cancellation, powers of one base merged, double negation) and times, per input
and per number of saturation iterations: one egglog program run (push, add the
term, run, extract, pop) on an e-graph whose declarations and rules were built
once.  Each run gets its own process with a time limit, since saturation with
associativity, commutativity and distributivity grows exponentially.  Results are
printed as a Markdown table (docs/paper-form.md quotes them).
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from collections.abc import Callable

import matcalc as mc
from matcalc.expr import (
    Add,
    Apply,
    ElemDiv,
    Expr,
    Hadamard,
    MatMul,
    Number,
    Power,
    Scale,
    Transpose,
    children,
)

DECLARATIONS = """
(datatype M (Leaf String) (Num f64) (Add M M) (Mul M M) (Had M M) (Scl M M) (Div M M) (Pow M M)
  (T M) (Fn String M))
"""

RULES = """
(rewrite (Add a b) (Add b a))
(rewrite (Add a (Add b c)) (Add (Add a b) c))
(rewrite (Had a b) (Had b a))
(rewrite (Had a (Had b c)) (Had (Had a b) c))
(rewrite (Mul a (Mul b c)) (Mul (Mul a b) c))
(rewrite (Had a (Add b c)) (Add (Had a b) (Had a c)))
(rewrite (Add (Had a b) (Had a c)) (Had a (Add b c)))
(rewrite (Div (Had a b) b) a)
(rewrite (Div a a) (Num 1.0))
(rewrite (Had a (Div b c)) (Div (Had a b) c))
(rewrite (Had a a) (Pow a (Num 2.0)))
(rewrite (Had a (Pow a (Num k))) (Pow a (Num (+ k 1.0))))
(rewrite (Div (Pow a (Num j)) (Pow a (Num k))) (Pow a (Num (- j k))))
(rewrite (Scl (Num -1.0) (Scl (Num -1.0) a)) a)
(rewrite (T (T a)) a)
"""

#: The issue 9 inputs: derivatives as matcalc printed them before the issue 9 rules.
CASES = {
    "bce gradient": ("X'*(sigmoid(X*w).*(1-sigmoid(X*w)).*((1-y)./(1-sigmoid(X*w))-y./sigmoid(X*w)))",
                     {"X": "matrix", "w": "vector", "y": "vector"}),
    "KL gradient": ("-(p.^2./q.^2./(p./q))", {"p": "vector", "q": "vector"}),
    "KL Hessian": ("diag(2*(q.*p.^2./q.^4./(p./q))-p.*p.^2./q.^2./(p./q).^2./q.^2)",
                   {"p": "vector", "q": "vector"}),
    "barrier Hessian": ("-A'*diag(-1./(b-A*x).^2)*A", {"A": "matrix", "b": "vector", "x": "vector"}),
}


def term(e: Expr) -> str:
    """``e`` as an egglog term (n-ary nodes folded to binary ones; other nodes are leaves)."""
    def fold(op: str, items: tuple[Expr, ...]) -> str:
        out = term(items[0])
        for x in items[1:]:
            out = f"({op} {out} {term(x)})"
        return out

    match e:
        case Number(value=v):
            return f"(Num {float(v)!r})"
        case Add(terms=ts):
            return fold("Add", ts)
        case MatMul(factors=fs):
            return fold("Mul", fs)
        case Hadamard(factors=fs):
            return fold("Had", fs)
        case Scale(coef=c, body=b):
            return f"(Scl {term(c)} {term(b)})"
        case ElemDiv(num=a, den=b):
            return f"(Div {term(a)} {term(b)})"
        case Power(base=a, exponent=b):
            return f"(Pow {term(a)} {term(b)})"
        case Transpose(body=b):
            return f"(T {term(b)})"
        case Apply(func=f, arg=a):
            return f'(Fn "{f}" {term(a)})'
    kids = list(children(e))
    if len(kids) == 1:  # diag, sum, inv, ...: a function of one operand
        return f'(Fn "{type(e).__name__}" {term(kids[0])})'
    return f'(Leaf "{e}")'


def _run(text: str, iterations: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from egglog import bindings

    graph = bindings.EGraph()
    graph.run_program(*graph.parse_program(DECLARATIONS + RULES))
    program = f"(push)\n(let $e {text})\n(run {iterations})\n(extract $e)\n(pop)"
    start = time.perf_counter()
    outputs = graph.run_program(*graph.parse_program(program))
    out.put(((time.perf_counter() - start) * 1000, str(outputs[-1]).count("(")))


def timed(text: str, iterations: int, limit: float) -> tuple[float, int] | None:
    """Milliseconds for one run and the nodes of the term extracted, or None past ``limit`` seconds."""
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    proc = mp.Process(target=_run, args=(text, iterations, queue))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get() if not queue.empty() else None  # type: ignore[no-any-return]


def main(iterations: tuple[int, ...] = (2, 4, 6, 8), limit: float = 20.0) -> int:
    """Print the table of run times."""
    show: Callable[[tuple[float, int] | None], str] = (  # noqa: E731
        lambda r: f"> {limit:.0f} s" if r is None else f"{r[0]:.1f} ms ({r[1]} nodes)"
    )
    print("| input | nodes | " + " | ".join(f"{n} iterations" for n in iterations) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in iterations) + " |")
    for name, (text, kinds) in CASES.items():
        e = mc.parse(text, kinds)
        t = term(e)
        cells = []
        for n in iterations:
            result = timed(t, n, limit)
            cells.append(show(result))
            if result is None:  # more iterations only take longer
                cells += ["-"] * (len(iterations) - len(cells))
                break
        print(f"| {name} | {t.count('(')} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
