"""(filled in by the connectors work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
