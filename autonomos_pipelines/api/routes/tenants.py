"""(filled in by the tenants work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
