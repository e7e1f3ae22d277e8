"""(filled in by the lookups work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
