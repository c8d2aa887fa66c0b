"""Web pages of MetaGauge: contracts, analyses and their results, AI chats, usage, the API key."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from skillnest.core.deps import CacheDep, HubDep, SessionDep
from skillnest.core.errors import DomainError
from skillnest.gauge import schemas, service
from skillnest.gauge.models import CHAINS, MAX_COMPETITORS
from skillnest.web.forms import split_list
from skillnest.web.registry import NavItem
from skillnest.web.security import SignedIn, Viewer
from skillnest.web.shell import page_router
from skillnest.web.templating import render

router = page_router(tags=["pages"])

NAV = [NavItem("MetaGauge", "/gauge")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Short = Annotated[str, Form(max_length=500)]
PAGE_SIZE = 50
MESSAGES_PAGE = 100
ANALYSIS_TYPES = ("single", "competitive", "comparative")
SEARCH_STRATEGIES = ("standard", "deep", "quick")
OUTPUT_FORMATS = ("json", "csv", "markdown")
LABELS = {
    "target_contract": "Contract",
    "rpc_config": "RPC endpoints",
    "analysis_params": "Analysis parameters",
    "competitors": "Competitor",
}


async def _caller(session: Any, viewer: Viewer) -> service.Caller:
    return await service.caller_account(session=session, user=viewer.auth)


def usage_percent(used: int, limit: int | None) -> int | None:
    """How much of a monthly allowance is used, in percent (None when unlimited)."""
    if not limit:
        return None
    return min(100, round(100 * used / limit))


def messages_of(exc: ValidationError) -> list[str]:
    """One sentence per validation error, naming the field by its whole path."""
    out = []
    for error in exc.errors():
        parts = []
        for part in error["loc"]:
            if isinstance(part, int):
                parts.append(str(part + 1))
            elif part != "[key]":  # a dictionary key that is not allowed: named before it
                parts.append(LABELS.get(str(part), str(part).replace("_", " ")))
        label = " ".join(parts)
        label = label[:1].upper() + label[1:]
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append(f"{label}: {message}" if label else message)
    return out


# --- results as tables ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A part of an analysis's results as a table: a caption, column heads and rows."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


def label(key: str) -> str:
    """``uniqueUsers`` or ``unique_users`` as people read it: ``Unique users``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ")
    return spaced[:1].upper() + spaced[1:].lower()


def cell(value: Any) -> str:
    """A value of the results as the text of a table cell."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def result_tables(results: Any) -> list[Table]:
    """The results document as tables: scalars first, then one table per object or list."""
    if not isinstance(results, dict):
        return []
    scalars = [[label(k), cell(v)] for k, v in results.items() if not isinstance(v, (dict, list))]
    tables = [Table("Summary", ["Metric", "Value"], scalars)] if scalars else []
    for key, value in results.items():
        if isinstance(value, dict):
            rows = [[label(k), cell(v)] for k, v in value.items()]
            tables.append(Table(label(key), ["Metric", "Value"], rows))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            keys = list(dict.fromkeys(k for item in value for k in item))
            rows = [[cell(item.get(k)) for k in keys] for item in value]
            tables.append(Table(label(key), [label(k) for k in keys], rows))
        elif isinstance(value, list):
            rows = [[str(i + 1), cell(v)] for i, v in enumerate(value)]
            tables.append(Table(label(key), ["#", "Value"], rows))
    return tables


# --- the overview ---------------------------------------------------------------------


async def _overview(
    request: Request,
    viewer: Viewer,
    session: Any,
    *,
    offset: int = 0,
    new_key: str | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    caller = await _caller(session, viewer)
    account = await service.read_account(session=session, caller=caller)
    contracts = await service.list_contracts(
        session=session, caller=caller, limit=PAGE_SIZE, offset=0
    )
    analyses = await service.list_analyses(
        session=session, caller=caller, limit=PAGE_SIZE, offset=offset
    )
    context = {
        "account": account,
        "contracts": contracts,
        "analyses": analyses,
        "chains": CHAINS,
        "used": usage_percent(account.monthly_analysis_count, account.limits.monthly_analyses),
        "new_key": new_key,
        "errors": errors or [],
    }
    status_code = 422 if errors and status_code == 200 else status_code
    return render(request, "gauge/overview.html", context, status_code=status_code)


@router.get("/gauge", response_class=HTMLResponse)
async def overview(
    request: Request, viewer: SignedIn, session: SessionDep, offset: Offset = 0
) -> Response:
    """Tier and monthly usage, the contracts and the analyses."""
    return await _overview(request, viewer, session, offset=offset)


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
) -> Response:
    """Add a contract with one RPC endpoint for its chain; the rest is set on its page."""
    values = {
        "name": name,
        "target_contract": {"address": address, "chain": chain},
        "rpc_config": {chain: [rpc_url]} if rpc_url.strip() else {},
    }
    try:
        data = schemas.ContractCreate.model_validate(values)
        caller = await _caller(session, viewer)
        contract = await service.create_contract(session=session, caller=caller, data=data)
    except ValidationError as exc:
        return await _overview(request, viewer, session, errors=messages_of(exc))
    except DomainError as exc:
        errors = [exc.detail or exc.title]
        return await _overview(request, viewer, session, errors=errors, status_code=exc.status)
    return RedirectResponse(f"/gauge/contracts/{contract.id}", status_code=303)


# --- a contract -----------------------------------------------------------------------


def form_of(contract: schemas.ContractRead) -> dict[str, Any]:
    """The edit form's values for a stored contract."""
    params = contract.analysis_params or schemas.AnalysisParams()
    competitors = [c.model_dump() for c in contract.competitors]
    blank = {"address": "", "chain": "", "name": ""}
    return {
        "name": contract.name,
        "description": contract.description or "",
        "address": contract.address,
        "chain": contract.chain,
        "target_name": contract.target_name or "",
        "tags": ", ".join(contract.tags),
        "is_active": contract.is_active,
        "is_default": contract.is_default,
        "competitors": competitors + [blank] * (MAX_COMPETITORS - len(competitors)),
        "rpc": {c: "\n".join(contract.rpc_config.get(c, [])) for c in CHAINS},
        "search_strategy": params.search_strategy or "",
        "smart_search": bool(params.smart_search),
        "whale_threshold": "" if params.whale_threshold is None else f"{params.whale_threshold:g}",
        "max_concurrent_requests": _text_of(params.max_concurrent_requests),
        "failover_timeout": _text_of(params.failover_timeout),
        "max_retries": _text_of(params.max_retries),
        "output_formats": params.output_formats or [],
    }


def _text_of(value: int | None) -> str:
    return "" if value is None else str(value)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def submitted(form: FormData) -> dict[str, Any]:
    """The edit form's values as the browser sent them (shown again beside any error)."""
    competitors = [
        {k: _field(form, f"competitor_{k}_{i}") for k in ("address", "chain", "name")}
        for i in range(MAX_COMPETITORS)
    ]
    names = ("name", "description", "address", "chain", "target_name", "tags", "search_strategy")
    numbers = ("whale_threshold", "max_concurrent_requests", "failover_timeout", "max_retries")
    return {
        **{n: _field(form, n) for n in (*names, *numbers)},
        "is_active": "is_active" in form,
        "is_default": "is_default" in form,
        "smart_search": "smart_search" in form,
        "competitors": competitors,
        "rpc": {c: _field(form, f"rpc_{c}") for c in CHAINS},
        "output_formats": [f for f in form.getlist("output_formats") if isinstance(f, str)],
    }


def update_of(values: dict[str, Any], current: schemas.ContractRead) -> dict[str, Any]:
    """The PATCH body for the form's values; what the form does not show is kept."""
    abis = {(c.address.lower(), c.chain): c.abi for c in current.competitors}
    competitors = [
        {
            "address": c["address"],
            "chain": c["chain"],
            "name": c["name"] or None,
            "abi": abis.get((c["address"].lower(), c["chain"])),
        }
        for c in values["competitors"]
        if c["address"] or c["chain"] or c["name"]
    ]
    extra = current.analysis_params.extra if current.analysis_params else None
    return {
        "name": values["name"],
        "description": values["description"] or None,
        "target_contract": {
            "address": values["address"],
            "chain": values["chain"],
            "name": values["target_name"] or None,
            "abi": current.abi,
            "function_signatures": current.function_signatures,
        },
        "tags": split_list(values["tags"]),
        "is_active": values["is_active"],
        "is_default": values["is_default"],
        "competitors": competitors,
        "rpc_config": {c: split_list(t) for c, t in values["rpc"].items() if split_list(t)},
        "analysis_params": {
            "search_strategy": values["search_strategy"] or None,
            "smart_search": values["smart_search"],
            "whale_threshold": values["whale_threshold"] or None,
            "max_concurrent_requests": values["max_concurrent_requests"] or None,
            "failover_timeout": values["failover_timeout"] or None,
            "max_retries": values["max_retries"] or None,
            "output_formats": values["output_formats"],
            "extra": extra,
        },
    }


async def _contract_page(
    request: Request,
    viewer: Viewer,
    session: Any,
    contract_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    caller = await _caller(session, viewer)
    contract = await service.get_contract(session=session, caller=caller, contract_id=contract_id)
    analyses = await service.list_analyses(
        session=session, caller=caller, contract_id=contract_id, limit=PAGE_SIZE
    )
    chats = await service.list_chat_sessions(
        session=session, caller=caller, contract_id=contract_id, limit=PAGE_SIZE
    )
    context = {
        "contract": contract,
        "form": values or form_of(contract),
        "analyses": analyses,
        "chats": chats,
        "chains": CHAINS,
        "analysis_types": ANALYSIS_TYPES,
        "strategies": SEARCH_STRATEGIES,
        "formats": OUTPUT_FORMATS,
        "errors": errors or [],
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "gauge/contract.html", context, status_code=status_code)


@router.get("/gauge/contracts/{contract_id}", response_class=HTMLResponse)
async def read_contract(
    request: Request, contract_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """A contract: its settings to edit, its analyses and the chats about it."""
    return await _contract_page(request, viewer, session, contract_id)


@router.post("/gauge/contracts/{contract_id}", response_class=HTMLResponse)
async def update_contract(
    request: Request, contract_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """Save the contract, its competitors, RPC endpoints and analysis parameters at once."""
    caller = await _caller(session, viewer)
    current = await service.get_contract(session=session, caller=caller, contract_id=contract_id)
    values = submitted(await request.form())
    try:
        data = schemas.ContractUpdate.model_validate(update_of(values, current))
        await service.update_contract(
            session=session, caller=caller, contract_id=contract_id, data=data
        )
    except ValidationError as exc:
        errors = messages_of(exc)
        return await _contract_page(
            request, viewer, session, contract_id, values=values, errors=errors, status_code=422
        )
    return RedirectResponse(f"/gauge/contracts/{contract_id}?saved=1", status_code=303)


@router.post("/gauge/contracts/{contract_id}/delete", response_class=HTMLResponse)
async def delete_contract(contract_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Delete a contract (its analyses stay)."""
    caller = await _caller(session, viewer)
    await service.delete_contract(session=session, caller=caller, contract_id=contract_id)
    return RedirectResponse("/gauge", status_code=303)


@router.post("/gauge/contracts/{contract_id}/analyses", response_class=HTMLResponse)
async def create_analysis(
    request: Request,
    contract_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    analysis_type: Annotated[str, Form(max_length=50)] = "single",
) -> Response:
    """Start an analysis of the contract, counted against the month's quota."""
    caller = await _caller(session, viewer)
    kind = analysis_type if analysis_type in ANALYSIS_TYPES else "single"
    data = schemas.AnalysisCreate(contract_id=contract_id, analysis_type=kind)
    try:
        analysis = await service.create_analysis(session=session, caller=caller, data=data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        errors = [exc.detail or exc.title]
        return await _contract_page(
            request, viewer, session, contract_id, errors=errors, status_code=exc.status
        )
    return RedirectResponse(f"/gauge/analyses/{analysis.id}", status_code=303)


@router.get("/gauge/analyses/{analysis_id}", response_class=HTMLResponse)
async def read_analysis(
    request: Request, analysis_id: Id, viewer: SignedIn, session: SessionDep
) -> Response:
    """An analysis: live status and progress, metrics as tables, the raw JSON folded away."""
    caller = await _caller(session, viewer)
    analysis = await service.get_analysis(session=session, caller=caller, analysis_id=analysis_id)
    context = {
        "analysis": analysis,
        "tables": result_tables(analysis.results),
        "raw": json.dumps(analysis.results, indent=2, sort_keys=True, default=str),
        "metadata": json.dumps(analysis.metadata, indent=2, sort_keys=True, default=str),
    }
    return render(request, "gauge/analysis.html", context)


# --- AI chats -------------------------------------------------------------------------


@router.get("/gauge/chats", response_class=HTMLResponse)
async def list_chats(
    request: Request, viewer: SignedIn, session: SessionDep, offset: Offset = 0
) -> Response:
    """Every AI chat, latest conversation first, and a form to open one."""
    caller = await _caller(session, viewer)
    chats = await service.list_chat_sessions(
        session=session, caller=caller, limit=PAGE_SIZE, offset=offset
    )
    contracts = await service.list_contracts(session=session, caller=caller, limit=PAGE_SIZE)
    context = {"chats": chats, "contracts": contracts}
    return render(request, "gauge/chats.html", context)


@router.post("/gauge/chats", response_class=HTMLResponse)
async def create_chat(
    viewer: SignedIn,
    session: SessionDep,
    title: Annotated[str, Form(max_length=255)] = "",
    contract_id: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """Open a chat, about one of the person's contracts when one is chosen."""
    caller = await _caller(session, viewer)
    about: dict[str, Any] = {}
    if contract_id:
        contract = await service.get_contract(
            session=session, caller=caller, contract_id=contract_id
        )
        about = {
            "contract_address": contract.address,
            "contract_chain": contract.chain,
            "contract_name": contract.target_name or contract.name,
        }
    data = schemas.ChatSessionCreate(title=title.strip() or None, **about)
    chat = await service.create_chat_session(session=session, caller=caller, data=data)
    return RedirectResponse(f"/gauge/chats/{chat.id}", status_code=303)


@router.get("/gauge/chats/{chat_id}", response_class=HTMLResponse)
async def read_chat(
    request: Request,
    chat_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    offset: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
) -> Response:
    """A chat's messages in order (the latest page unless another is asked for)."""
    caller = await _caller(session, viewer)
    chat = await service.get_chat_session(session=session, caller=caller, chat_id=chat_id)
    if offset is None:
        offset = max(0, chat.message_count - MESSAGES_PAGE)
    messages = await service.list_chat_messages(
        session=session, caller=caller, chat_id=chat_id, limit=MESSAGES_PAGE, offset=offset
    )
    context = {"chat": chat, "messages": messages, "page_size": MESSAGES_PAGE}
    return render(request, "gauge/chat.html", context)


@router.post("/gauge/chats/{chat_id}/messages", response_class=HTMLResponse)
async def create_message(
    chat_id: Id,
    viewer: SignedIn,
    session: SessionDep,
    hub: HubDep,
    content: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Add the person's question to the chat (htmx swaps the refreshed message list in)."""
    caller = await _caller(session, viewer)
    if content.strip():
        data = schemas.ChatMessageCreate(role="user", content=content.strip())
        await service.add_chat_message(
            session=session, hub=hub, caller=caller, chat_id=chat_id, data=data
        )
    return RedirectResponse(f"/gauge/chats/{chat_id}", status_code=303)


@router.post("/gauge/chats/{chat_id}/delete", response_class=HTMLResponse)
async def delete_chat(chat_id: Id, viewer: SignedIn, session: SessionDep) -> Response:
    """Delete a chat and its messages."""
    caller = await _caller(session, viewer)
    await service.delete_chat_session(session=session, caller=caller, chat_id=chat_id)
    return RedirectResponse("/gauge/chats", status_code=303)
