"""JSON formats of the planning service (pydantic), and their conversion to engine problems."""

from api.schemas.plan import PlanRequest, PlanResponse, to_problem

__all__ = ["PlanRequest", "PlanResponse", "to_problem"]
