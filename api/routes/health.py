"""`GET /api/health`: can the API reach Temporal and the store?"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api import services
from api.deps import ContextDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "Temporal or the store is unreachable"}},
)
async def health(context: ContextDep, request: Request) -> JSONResponse:
    """200 when Temporal and the store both answer, else 503 with the reason for each."""
    report = await services.check_health(temporal=context.temporal, store=context.store)
    return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.status == "ok" else 503)
