"""A strict front end to fhirpathpy: syntax errors raise, and the inputs an expression reads
are listed, so that a rule set is checked when it is loaded rather than when it runs.

fhirpathpy's own ``parse`` recovers silently from syntax errors (``"a >"`` parses), which
would let a broken rule pass as "never fires"; here every lexer or parser error, and any
text left over after the expression, is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from antlr4 import CommonTokenStream, InputStream, Token  # type: ignore[import-untyped]
from antlr4.error.ErrorListener import ErrorListener  # type: ignore[import-untyped]
from antlr4.tree.Tree import ParseTreeWalker  # type: ignore[import-untyped]
from fhirpathpy import compile as fp_compile
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from painpath.core.errors import PainpathError

__all__ = ["Compiled", "ExpressionError", "compile_expression"]

Compiled = Callable[[dict[str, Any], dict[str, Any]], list[Any]]


class ExpressionError(PainpathError, ValueError):
    """A FHIRPath expression does not parse. The loader reports it as a
    :class:`~painpath.core.rules.errors.RuleSetError` naming the file, rule and line."""


class _Raise(ErrorListener):  # type: ignore[misc]
    def syntaxError(
        self, recognizer: Any, offending: Any, line: int, column: int, msg: str, e: Any
    ) -> None:
        raise ExpressionError(f"FHIRPath syntax error at column {column + 1}: {msg}")


def _parse(text: str) -> dict[str, Any]:
    lexer = FHIRPathLexer(InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_Raise())
    tokens = CommonTokenStream(lexer)
    parser = FHIRPathParser(tokens)
    parser.removeErrorListeners()
    parser.addErrorListener(_Raise())
    parser.buildParseTrees = True
    tree = parser.expression()
    if tokens.LA(1) != Token.EOF:
        extra = tokens.LT(1)
        raise ExpressionError(
            f"FHIRPath syntax error at column {extra.column + 1}: unexpected {extra.text!r}"
        )
    listener = ASTPathListener()  # type: ignore[no-untyped-call]
    ParseTreeWalker().walk(listener, tree)
    ast: dict[str, Any] = listener.parentStack[0]
    return ast


def _names(node: Any, members: set[str], constants: set[str]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if kind in ("MemberInvocation", "ExternalConstant"):
            for child in node.get("children", ()):
                if child.get("type") == "Identifier":
                    name = str(child.get("text", "")).strip("`")
                    (members if kind == "MemberInvocation" else constants).add(name)
        for child in node.get("children", ()):
            _names(child, members, constants)


def compile_expression(text: str) -> tuple[Compiled, frozenset[str], frozenset[str]]:
    """Compile ``text`` once; return the evaluator, the input names it reads and the
    ``%constants`` it uses. Raise :class:`ExpressionError` if it does not parse."""
    if not text.strip():
        raise ExpressionError("empty FHIRPath expression")
    ast = _parse(text)
    members: set[str] = set()
    constants: set[str] = set()
    _names(ast, members, constants)
    evaluator: Compiled = fp_compile(text)
    return evaluator, frozenset(members), frozenset(constants)
