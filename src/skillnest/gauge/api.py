"""HTTP routes of MetaGauge under ``/api/v1/gauge``: bearer token or ``X-API-Key``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.security import APIKeyHeader

from skillnest.accounts.deps import AdminUser, BearerToken, user_from_token
from skillnest.core.deps import CacheDep, HubDep, SessionDep
from skillnest.core.errors import Unauthorized
from skillnest.core.pages import Id, Limit, Offset, Page, PathId
from skillnest.gauge import schemas, service
from skillnest.gauge.schemas import Status

router = APIRouter(prefix="/gauge", tags=["gauge"])

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="MetaGauge API key (instead of a token)"
)


async def get_gauge_caller(
    session: SessionDep,
    cache: CacheDep,
    token: BearerToken,
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> service.Caller:
    """The caller by ``X-API-Key`` or bearer token, with the tier of their account."""
    if api_key:
        user = await service.resolve_api_key(session=session, cache=cache, api_key=api_key)
        if user is None:
            raise Unauthorized("The API key is invalid.")
    elif token is not None:
        user = await user_from_token(session=session, cache=cache, token=token)
    else:
        raise Unauthorized("A bearer token or an X-API-Key header is required.")
    return await service.caller_account(session=session, user=user)


Caller = Annotated[service.Caller, Depends(get_gauge_caller)]


# --- account ---------------------------------------------------------------------------


@router.get("/me", response_model=schemas.AccountRead)
async def read_gauge_account(caller: Caller, session: SessionDep) -> schemas.AccountRead:
    """Tier, limits and this month's usage."""
    return await service.read_account(session=session, caller=caller)


@router.post("/me/api-key", response_model=schemas.ApiKeyOut, status_code=201)
async def create_api_key(caller: Caller, session: SessionDep, cache: CacheDep) -> schemas.ApiKeyOut:
    """Issue a new API key (shown once); the previous key stops working."""
    api_key = await service.rotate_api_key(session=session, cache=cache, caller=caller)
    return schemas.ApiKeyOut(api_key=api_key)


@router.get("/users/by-email", response_model=schemas.GaugeUserRead)
async def read_user_by_email(
    _: AdminUser, session: SessionDep, email: Annotated[str, Query(max_length=255)]
) -> schemas.GaugeUserRead:
    """Find an account by email, case-insensitively (administrators)."""
    return await service.read_user_by_email(session=session, email=email)


@router.put("/users/{user_id}/tier", status_code=status.HTTP_204_NO_CONTENT)
async def update_user_tier(
    user_id: PathId, data: schemas.TierUpdate, _: AdminUser, session: SessionDep
) -> Response:
    """Change a user's tier (administrators)."""
    await service.set_tier(session=session, user_id=user_id, tier=data.tier)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- contracts -------------------------------------------------------------------------


@router.post("/contracts", response_model=schemas.ContractRead, status_code=201)
async def create_contract(
    data: schemas.ContractCreate, caller: Caller, session: SessionDep
) -> schemas.ContractRead:
    """Create a contract with its competitors, RPC endpoints and analysis parameters."""
    return await service.create_contract(session=session, caller=caller, data=data)


@router.get("/contracts", response_model=Page[schemas.ContractSummary])
async def list_contracts(
    caller: Caller,
    session: SessionDep,
    is_active: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[schemas.ContractSummary]:
    """The caller's contracts, newest first."""
    return await service.list_contracts(
        session=session, caller=caller, is_active=is_active, limit=limit, offset=offset
    )


@router.get("/contracts/{contract_id}", response_model=schemas.ContractRead)
async def read_contract(
    contract_id: PathId, caller: Caller, session: SessionDep
) -> schemas.ContractRead:
    """One contract with everything configured on it."""
    return await service.get_contract(session=session, caller=caller, contract_id=contract_id)


@router.patch("/contracts/{contract_id}", response_model=schemas.ContractRead)
async def update_contract(
    contract_id: PathId, data: schemas.ContractUpdate, caller: Caller, session: SessionDep
) -> schemas.ContractRead:
    """Change a contract; competitors, RPC config and parameters sent replace the old ones."""
    return await service.update_contract(
        session=session, caller=caller, contract_id=contract_id, data=data
    )


@router.delete("/contracts/{contract_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contract(contract_id: PathId, caller: Caller, session: SessionDep) -> Response:
    """Delete a contract and its parts."""
    await service.delete_contract(session=session, caller=caller, contract_id=contract_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- analyses --------------------------------------------------------------------------


@router.post("/analyses", response_model=schemas.AnalysisRead, status_code=201)
async def create_analysis(
    data: schemas.AnalysisCreate, caller: Caller, session: SessionDep
) -> schemas.AnalysisRead:
    """Start an analysis (pending); 403 once the tier's monthly analyses are used up."""
    return await service.create_analysis(session=session, caller=caller, data=data)


@router.get("/analyses", response_model=schemas.AnalysisList)
async def list_analyses(
    caller: Caller,
    session: SessionDep,
    status: Status | None = None,
    contract_id: Annotated[Id | None, Query()] = None,
    since: datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.AnalysisList:
    """The caller's analyses, newest first, within the tier's history window."""
    return await service.list_analyses(
        session=session,
        caller=caller,
        status=status,
        contract_id=contract_id,
        since=since,
        limit=limit,
        offset=offset,
    )


@router.get("/analyses/{analysis_id}", response_model=schemas.AnalysisRead)
async def read_analysis(
    analysis_id: PathId, caller: Caller, session: SessionDep
) -> schemas.AnalysisRead:
    """One analysis with its results; 403 when older than the tier's history window."""
    return await service.get_analysis(session=session, caller=caller, analysis_id=analysis_id)


@router.patch("/analyses/{analysis_id}", response_model=schemas.AnalysisRead)
async def update_analysis(
    analysis_id: PathId,
    data: schemas.AnalysisUpdate,
    caller: Caller,
    session: SessionDep,
    hub: HubDep,
) -> schemas.AnalysisRead:
    """Report status, progress and results of a running analysis."""
    return await service.update_analysis(
        session=session, hub=hub, caller=caller, analysis_id=analysis_id, data=data
    )


# --- chat ------------------------------------------------------------------------------


@router.post("/chat/sessions", response_model=schemas.ChatSessionRead, status_code=201)
async def create_chat_session(
    data: schemas.ChatSessionCreate, caller: Caller, session: SessionDep
) -> schemas.ChatSessionRead:
    """Open an AI chat about a contract."""
    return await service.create_chat_session(session=session, caller=caller, data=data)


@router.get("/chat/sessions", response_model=Page[schemas.ChatSessionRead])
async def list_chat_sessions(
    caller: Caller, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.ChatSessionRead]:
    """The caller's chat sessions, most recent conversation first."""
    return await service.list_chat_sessions(
        session=session, caller=caller, limit=limit, offset=offset
    )


@router.get("/chat/sessions/{chat_id}", response_model=schemas.ChatSessionRead)
async def read_chat_session(
    chat_id: PathId, caller: Caller, session: SessionDep
) -> schemas.ChatSessionRead:
    """One chat session."""
    return await service.get_chat_session(session=session, caller=caller, chat_id=chat_id)


@router.delete("/chat/sessions/{chat_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_chat_session(chat_id: PathId, caller: Caller, session: SessionDep) -> Response:
    """Delete a chat session and its messages."""
    await service.delete_chat_session(session=session, caller=caller, chat_id=chat_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/chat/sessions/{chat_id}/messages", response_model=schemas.ChatMessageRead, status_code=201
)
async def create_chat_message(
    chat_id: PathId,
    data: schemas.ChatMessageCreate,
    caller: Caller,
    session: SessionDep,
    hub: HubDep,
) -> schemas.ChatMessageRead:
    """Add a message; the session's message count and last message time follow."""
    return await service.add_chat_message(
        session=session, hub=hub, caller=caller, chat_id=chat_id, data=data
    )


@router.get("/chat/sessions/{chat_id}/messages", response_model=Page[schemas.ChatMessageRead])
async def list_chat_messages(
    chat_id: PathId, caller: Caller, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[schemas.ChatMessageRead]:
    """A session's messages, oldest first."""
    return await service.list_chat_messages(
        session=session, caller=caller, chat_id=chat_id, limit=limit, offset=offset
    )
