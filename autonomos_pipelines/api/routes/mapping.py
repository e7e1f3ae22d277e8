"""(filled in by the mapping work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
