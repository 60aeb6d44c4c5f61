"""The example of docs/admin.md behaves as the page says: admin_polls.py, set up with the
commands of admin_setup.txt, then used by a superuser and by an editor with three
permissions.

The example runs in a process of its own: its ``Question`` and ``Choice`` would meet the
admin tests' models of the same names in this one (SQLAlchemy resolves relationships by
class name).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"
PASSWORD = "correct horse battery staple"

CHECK = """
import json, shlex, sys
from pathlib import Path
from click.testing import CliRunner
sys.path.insert(0, {docs!r})
import admin_polls as example
from schooner.contrib.csrf.testing import as_browser
from schooner.testing import TestClient

app = example.app
groups = {{c.name: c for c in app.commands}}
for line in Path({setup!r}).read_text().splitlines():
    words = shlex.split(line.removeprefix("$ "))
    if words[0] != "schooner" or words[1] == "run":
        continue  # the environment is set by the test; `run` would start a server
    group, *args = words[1:]
    typed = {password!r} + "\\n"  # a password prompt asks twice
    done = CliRunner().invoke(groups[group], args, input=typed * 2)
    assert done.exit_code == 0, (line, done.output, done.exception)

HTML = {{"Accept": "text/html"}}
seen = {{}}

def sign_in(client, email):
    client.cookies.clear()
    answer = client.post("/accounts/login", data={{"email": email, "password": {password!r}}})
    assert answer.status_code == 303, answer.text

with TestClient(app) as client:
    as_browser(client)
    seen["anonymous"] = client.get("/admin/", headers=HTML).headers["location"]
    sign_in(client, "admin@polls.example")
    seen["index"] = "Polls administration" in client.get("/admin/", headers=HTML).text
    data = {{"question_text": "What's up?", "pub_date": "2025-03-01T10:30", "notes": ""}}
    seen["add question"] = client.post("/admin/polls/question/add", data=data).status_code
    listing = client.get("/admin/polls/question", headers=HTML).text
    seen["override"] = "Questions are shown to voters" in listing
    seen["listed"] = "What&#39;s up?" in listing
    choice = {{"question_id": "1", "choice_text": "Not much", "votes": "0"}}
    seen["add choice"] = client.post("/admin/polls/choice/add", data=choice).status_code
    choices = client.get("/admin/polls/choice?q=up", headers=HTML).text
    seen["choice listed"] = "Not much" in choices and "What&#39;s up?" in choices
    filtered = client.get("/admin/polls/choice?question=1", headers=HTML).text
    seen["filtered"] = "Not much" in filtered and '<option value="1" selected>' in filtered
    unnoted = client.get("/admin/polls/question?notes=with", headers=HTML).text
    seen["custom filter"] = "What&#39;s up?" not in unnoted and "0 questions" in unnoted
    bulk = {{"action": "reset_votes", "_selected": "1", "_list": "question=1"}}
    done = client.post("/admin/polls/choice/actions", data=bulk)
    seen["action"] = [done.status_code, done.headers["location"]]
    seen["action message"] = "Votes reset on 1 choices." in client.get(
        done.headers["location"], headers=HTML
    ).text
    inline = {{"question_text": "Best colour?", "pub_date": "2025-03-02T10:30", "notes": "",
              "polls-choice-0-choice_text": "Red", "polls-choice-0-votes": "0",
              "polls-choice-1-choice_text": "Blue", "polls-choice-1-votes": "2"}}
    seen["add with choices"] = client.post("/admin/polls/question/add", data=inline).status_code
    colours = client.get("/admin/polls/choice?q=colour", headers=HTML).text
    seen["inline choices"] = "Red" in colours and "Blue" in colours

    sign_in(client, "editor@polls.example")
    index = client.get("/admin/", headers=HTML).text
    seen["editor adds"] = "/admin/polls/question/add" in index
    change = {{**data, "question_text": "What's new?"}}
    seen["editor changes"] = client.post("/admin/polls/question/1/change", data=change).status_code
    seen["editor deletes"] = client.post("/admin/polls/question/1/delete").status_code
    seen["editor changes a choice"] = client.post(
        "/admin/polls/choice/1/change", data=choice
    ).status_code
    history = client.get("/admin/polls/question/1/history", headers=HTML).text
    seen["history"] = [
        "admin@polls.example" in history,
        "editor@polls.example" in history,
        "<del>What&#39;s up?</del> → <ins>What&#39;s new?</ins>" in history,
    ]
print(json.dumps(seen))
"""


def test_the_walkthrough(tmp_path: Path) -> None:
    """admin_setup.txt's commands make the database and the users; the superuser adds a
    question and a choice, then a question with two choices in one post (the inline); the
    editor changes the question, and may neither add nor delete; the per-model template
    applies; the filters narrow the lists; the history shows both."""
    script = CHECK.format(docs=str(DOCS), setup=str(DOCS / "admin_setup.txt"), password=PASSWORD)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(script)],
        env={
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'polls.db'}",
            "SCHOONER_SECRET_KEY": "s" * 48,
            "PATH": "",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "anonymous": "/accounts/login?next=%2Fadmin%2F",
        "index": True,
        "add question": 303,
        "override": True,
        "listed": True,
        "add choice": 303,
        "choice listed": True,
        "filtered": True,
        "custom filter": True,
        "action": [303, "/admin/polls/choice?question=1"],
        "action message": True,
        "add with choices": 303,
        "inline choices": True,
        "editor adds": False,
        "editor changes": 303,
        "editor deletes": 403,
        "editor changes a choice": 403,
        "history": [True, True, True],
    }
