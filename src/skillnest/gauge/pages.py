"""Web pages of MetaGauge: contracts, analyses and their results, usage, the API key."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from skillnest.core.deps import CacheDep, SessionDep
from skillnest.core.errors import DomainError
from skillnest.gauge import schemas, service
from skillnest.web.forms import FormInvalid, parse
from skillnest.web.registry import NavItem
from skillnest.web.security import SignedIn, Viewer
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

NAV = [NavItem("MetaGauge", "/gauge")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Short = Annotated[str, Form(max_length=500)]
PAGE_SIZE = 50


async def _caller(session: Any, viewer: Viewer) -> service.Caller:
    return await service.caller_account(session=session, user=viewer.auth)


def usage_percent(used: int, limit: int | None) -> int | None:
    """How much of a monthly allowance is used, in percent (None when unlimited)."""
    if not limit:
        return None
    return min(100, round(100 * used / limit))


async def _overview(
    request: Request,
    viewer: Viewer,
    session: Any,
    *,
    new_key: str | None = None,
    errors: list[str] | None = None,
) -> Response:
    caller = await _caller(session, viewer)
    account = await service.read_account(session=session, caller=caller)
    contracts = await service.list_contracts(
        session=session, caller=caller, limit=PAGE_SIZE, offset=0
    )
    analyses = await service.list_analyses(
        session=session, caller=caller, limit=PAGE_SIZE, offset=0
    )
    context = {
        "account": account,
        "contracts": contracts,
        "analyses": analyses,
        "used": usage_percent(account.monthly_analysis_count, account.limits.monthly_analyses),
        "new_key": new_key,
        "errors": errors or [],
    }
    status_code = 422 if errors else 200
    return render(request, "gauge/overview.html", context, status_code=status_code)


@router.get("/gauge", response_class=HTMLResponse)
async def overview(request: Request, viewer: SignedIn, session: SessionDep) -> Response:
    """Tier and monthly usage, the contracts and the analyses."""
    return await _overview(request, viewer, session)


@router.post("/gauge/api-key", response_class=HTMLResponse)
async def rotate_key(
    request: Request, viewer: SignedIn, session: SessionDep, cache: CacheDep
) -> Response:
    """Make a new API key (the old one stops working); it is shown this once."""
    caller = await _caller(session, viewer)
    key = await service.rotate_api_key(session=session, cache=cache, caller=caller)
    response = await _overview(request, viewer, session, new_key=key)
    response.headers["Cache-Control"] = "no-store"  # the key must not linger in a cache
    return response


@router.post("/gauge/contracts", response_class=HTMLResponse)
async def create_contract(
    request: Request,
    viewer: SignedIn,
    session: SessionDep,
    name: Short = "",
    address: Short = "",
    chain: Short = "",
    rpc_url: Short = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Add a contract with one RPC endpoint for its chain."""
    values = {
        "name": name,
        "description": description.strip() or None,
        "target_contract": {"address": address, "chain": chain},
        "rpc_config": {chain: [rpc_url]} if rpc_url.strip() else {},
    }
    labels = {"target_contract": "Contract", "rpc_config": "RPC endpoint"}
    try:
        data = parse(schemas.ContractCreate, values, labels)
        caller = await _caller(session, viewer)
        await service.create_contract(session=session, caller=caller, data=data)
    except (FormInvalid, DomainError) as exc:
        messages = exc.messages if isinstance(exc, FormInvalid) else [exc.detail or exc.title]
        return await _overview(request, viewer, session, errors=messages)
    return RedirectResponse("/gauge", status_code=303)


@router.get("/gauge/analyses/{analysis_id}", response_class=HTMLResponse)
async def read_analysis(
    request: Request, analysis_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """An analysis: status, progress, metrics as tables and the raw JSON folded away."""
    caller = await _caller(session, viewer)
    analysis = await service.get_analysis(session=session, caller=caller, analysis_id=analysis_id)
    results = analysis.results if isinstance(analysis.results, dict) else {}
    tables = {k: v for k, v in results.items() if isinstance(v, dict)}
    scalars = {k: v for k, v in results.items() if not isinstance(v, (dict, list))}
    raw = json.dumps(analysis.results, indent=2, sort_keys=True, default=str)
    context = {"analysis": analysis, "tables": tables, "scalars": scalars, "raw": raw}
    return render(request, "gauge/analysis.html", context)
