"""Diagram expressions: the restricted evaluator and the date functions it offers."""

from .evaluator import ExpressionError, compile_expression, evaluate

__all__ = ["ExpressionError", "compile_expression", "evaluate"]
