"""What the database refuses because of a client's values is a 409 or a 422, never a 500."""

from __future__ import annotations

import msgspec
from orm_models import Author
from sqlalchemy.exc import IntegrityError

from schooner import App, Request, Response
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig
from schooner.http import ProblemResponse

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)


class Signup(msgspec.Struct):
    name: str
    email: str


@app.post("/signups", status_code=201)
async def sign_up(body: Signup, session: AsyncSession) -> dict[str, str]:
    # No checks here: a duplicate email is refused by the unique constraint, at commit.
    session.add(Author(name=body.name, email=body.email))
    return {"welcome": body.name}


# Replace the battery's answer to constraint violations with one of your own.
@app.exception_handler(IntegrityError)
async def already_registered(request: Request, exc: IntegrityError) -> Response:
    problem = {"title": "Already registered", "status": 409, "detail": "Log in instead."}
    return ProblemResponse(problem, status_code=409)
