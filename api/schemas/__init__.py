"""JSON formats of the planning service (pydantic), and their conversion to engine problems."""

from api.schemas.plan import PlanRequest, to_problem
from api.schemas.plan_out import PlanResponse

__all__ = ["PlanRequest", "PlanResponse", "to_problem"]
