"""(filled in by the drift work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
