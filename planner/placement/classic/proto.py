"""The shared model builder of the classic models: a MathOpt ``ModelProto`` written straight
from numpy arrays (building through expressions is slow at pmed sizes), and reading the open
facilities back from a result."""

from __future__ import annotations

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt


def model_proto(
    *,
    var_lb: np.ndarray,
    var_ub: np.ndarray,
    var_int: np.ndarray,
    obj: np.ndarray,
    offset: float,
    maximize: bool,
    con_lb: np.ndarray,
    con_ub: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    coefs: np.ndarray,
) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto(name="location")
    n_vars, n_cons = len(var_lb), len(con_lb)
    proto.variables.ids.extend(range(n_vars))
    proto.variables.lower_bounds.extend(var_lb.tolist())
    proto.variables.upper_bounds.extend(var_ub.tolist())
    proto.variables.integers.extend(var_int.tolist())
    proto.objective.maximize = maximize
    proto.objective.offset = float(offset)
    nz = np.flatnonzero(obj)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(obj[nz].tolist())
    proto.linear_constraints.ids.extend(range(n_cons))
    proto.linear_constraints.lower_bounds.extend(con_lb.tolist())
    proto.linear_constraints.upper_bounds.extend(con_ub.tolist())
    order = np.lexsort((cols, rows))  # row-major, columns increasing within a row
    proto.linear_constraint_matrix.row_ids.extend(rows[order].tolist())
    proto.linear_constraint_matrix.column_ids.extend(cols[order].tolist())
    proto.linear_constraint_matrix.coefficients.extend(coefs[order].tolist())
    return proto


def open_facilities(model: mathopt.Model, result: mathopt.SolveResult, m: int) -> np.ndarray:
    y = [model.get_variable(j) for j in range(m)]
    values = np.asarray(result.variable_values(y), dtype=float)
    return np.flatnonzero(values > 0.5)
