"""(filled in by the mappings work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
