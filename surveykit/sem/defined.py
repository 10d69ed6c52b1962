"""Defined parameters (``:=``): safe evaluation and delta-method standard errors.

Expressions are parsed with :mod:`ast` and evaluated over labels only (``+ - * / **``,
unary minus, numbers, ``exp``/``log``/``sqrt``/``abs``); nothing else can run.  Limits are
checked before anything is evaluated: at most 5,000 characters, nesting at most 200 deep, and
a constant exponent within +-1,000 (so ``9^9^9`` cannot run for hours); numbers are floats, so
no integer arithmetic can grow without bound, and a value that is not finite (a division by
zero, the log of a negative value) is NaN or inf without a numpy warning.  The
Jacobian is taken by complex-step differentiation (exact to machine precision for
analytic expressions), central differences when the expression uses ``abs``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping

import numpy as np

from surveykit.errors import ModelSpecificationError

__all__ = ["compile_expression", "delta_method"]

_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}
_FUN = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs}
_FN_PREFIX = "__surveykit_fn_"
_CONST_PREFIX = "__surveykit_c"
MAX_CHARS, MAX_DEPTH, MAX_EXPONENT = 5000, 200, 1000


def _limits(expr: str, line: int) -> ast.Expression:
    """Parse ``expr`` within the limits (one sentence when beyond one)."""
    where = f"Model syntax line {line}: the defined parameter expression"
    if len(expr) > MAX_CHARS:
        raise ModelSpecificationError(f"{where} has {len(expr)} characters, more than {MAX_CHARS}; split it into "
                                      "several := lines that use each other.")
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise ModelSpecificationError(f"{where} {expr!r} is not valid arithmetic.") from None
    except (RecursionError, MemoryError):
        tree = None
    depth, stack = 0, [(tree, 1)] if tree is not None else []
    while stack and depth <= MAX_DEPTH:
        node, d = stack.pop()
        depth = max(depth, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    if tree is None or depth > MAX_DEPTH:
        raise ModelSpecificationError(f"{where} is nested more than {MAX_DEPTH} deep (long chains of signs or "
                                      "operators); split it into several := lines that use each other.")
    return tree


def _constant_value(node: ast.AST) -> float | None:
    """The value of a subtree made of numbers only (floats, no warnings), else None."""
    if any(isinstance(n, ast.Name) for n in ast.walk(node)):
        return None
    code = compile(ast.Expression(body=_floats(node)), "<exponent>", "eval")
    with np.errstate(all="ignore"):
        return float(eval(code, {"__builtins__": {}, "__surveykit_np": np.float64}))  # noqa: S307 - numbers only


def _floats(node: ast.AST) -> ast.AST:
    """A copy of a numbers-only subtree whose numbers are numpy floats."""
    class ToFloat(ast.NodeTransformer):
        def visit_Constant(self, c):  # noqa: N802 - ast's name
            call = ast.Call(func=ast.Name(id="__surveykit_np", ctx=ast.Load()), args=[ast.Constant(float(c.value))],
                            keywords=[])
            return ast.copy_location(call, c)

    import copy

    return ast.fix_missing_locations(ToFloat().visit(copy.deepcopy(node)))


def compile_expression(expr: str, known: set[str], *, line: int = 0) -> tuple[Callable[[Mapping], object], bool]:
    """Compile ``expr`` into ``f(values_by_name)``; returns ``(f, uses_abs)``."""
    tree = _limits(expr, line)
    uses_abs = False

    def check(node: ast.AST) -> None:
        nonlocal uses_abs
        if isinstance(node, ast.Expression):
            check(node.body)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            check(node.left)
            check(node.right)
            power = _constant_value(node.right) if isinstance(node.op, ast.Pow) else None
            if power is not None and not abs(power) <= MAX_EXPONENT:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: the exponent {power:.6g} in {expr!r} is beyond +-{MAX_EXPONENT}; "
                    "such a power is 0 or infinite for any estimate. Use a smaller exponent.")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            check(node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            pass
        elif isinstance(node, ast.Name):
            if node.id not in known:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: {node.id!r} in {expr!r} is not a parameter label; "
                    "label the parameter in the model (e.g. 'y ~ a*x')."
                )
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUN
              and len(node.args) == 1 and not node.keywords):
            uses_abs = uses_abs or node.func.id == "abs"
            check(node.args[0])
        else:
            raise ModelSpecificationError(
                f"Model syntax line {line}: {expr!r} uses something other than labels, numbers, "
                "+ - * / ^ and exp/log/sqrt/abs."
            )

    check(tree)

    # The checked tree holds only labels, numbers, + - * / ** and the four functions: compiling it
    # is safe, and evaluating the code object is ~10x faster than walking the tree in Python
    # (defined parameters are evaluated in every bootstrap draw).  No builtins are reachable.
    # function names are renamed so that a label called e.g. "exp" cannot shadow the function
    # and numbers become names bound to numpy floats: no integer arithmetic (9**9**9 as integers
    # would run for hours), and a non-finite result is inf or NaN, not an exception
    constants: dict[str, np.float64] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            node.func.id = _FN_PREFIX + node.func.id
    tree = _ConstantsToNames(constants).visit(tree)
    code = compile(ast.fix_missing_locations(tree), f"<defined parameter, line {line}>", "eval")
    scope = {"__builtins__": {}, **{_FN_PREFIX + k: v for k, v in _FUN.items()}, **constants}

    def evaluate(env: Mapping):
        with np.errstate(all="ignore"):  # a value that is not finite is reported where it is used
            return eval(code, scope, env)  # noqa: S307 - a tree checked above: names, numbers, + - * / **

    return evaluate, uses_abs


class _ConstantsToNames(ast.NodeTransformer):
    def __init__(self, constants: dict):
        self.constants = constants

    def visit_Constant(self, node):  # noqa: N802 - ast's name
        name = f"{_CONST_PREFIX}{len(self.constants)}"
        self.constants[name] = np.float64(node.value)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)


def delta_method(
    funcs: list[tuple[Callable[[Mapping], object], bool]],
    env_of_theta: Callable[[np.ndarray], Mapping],
    theta: np.ndarray,
    vcov: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Values and delta-method standard errors of defined parameters.

    ``env_of_theta`` maps a parameter vector to the label values; it must also accept a
    (k, n_par) stack of vectors (label values then have shape (k,)), so that the Jacobian
    is one evaluation of each expression on all k perturbed vectors at once.
    """
    k = len(theta)
    values = np.array([float(np.real(f(env_of_theta(theta)))) for f, _ in funcs])
    jac = np.zeros((len(funcs), k))
    if k == 0 or not funcs:
        return values, np.zeros(len(funcs))
    env_c = None
    env_pm = None
    for i, (f, uses_abs) in enumerate(funcs):
        if uses_abs:
            if env_pm is None:
                h = 1e-6 * np.maximum(1.0, np.abs(theta.astype(float)))
                base = np.broadcast_to(theta.astype(float), (k, k))
                env_pm = (env_of_theta(base + np.diag(h)), env_of_theta(base - np.diag(h)), h)
            plus, minus, h = env_pm
            jac[i] = (np.broadcast_to(np.real(f(plus)), (k,)) - np.broadcast_to(np.real(f(minus)), (k,))) / (2 * h)
        else:
            if env_c is None:
                tc = np.broadcast_to(theta.astype(complex), (k, k)) + 1e-30j * np.eye(k)
                env_c = env_of_theta(tc)
            jac[i] = np.broadcast_to(np.imag(f(env_c)), (k,)) / 1e-30
    with np.errstate(all="ignore"):
        cov = jac @ vcov @ jac.T
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    # no standard error for a value that is not finite (its derivatives are meaningless there)
    return values, np.where(np.isfinite(values) & np.isfinite(se), se, np.nan)
