"""(filled in by the review work)"""

from fastapi import APIRouter

router = APIRouter(prefix="/v1/tenants/{tenant}")
