"""Who acts: the OS account or an admin-issued token, never a name someone typed.

The CLI runs for real: in-process as this test's own OS account, and in a forked child that
switched to a different uid (the account that owns the test database's socket)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from autonomos_pipelines.cli.main import app
from autonomos_pipelines.dcl.registry.bootstrap import open_registry
from autonomos_pipelines.dcl.registry.workflow import FieldRef, Workflow

ME = pwd.getpwuid(os.geteuid()).pw_name  # the account this test runs as
REF = FieldRef("acme", "stripe", "customers", "email")


@pytest.fixture
def flow(env):  # type: ignore[no-untyped-def]
    registry = open_registry(env)
    registry.add_tenant("acme", {"stripe": {"endpoint": "sandbox"}}, "test")
    workflow = Workflow(registry)
    workflow.set_role("alice", "admin", "alice")
    workflow.set_role("rita", "reviewer", "alice")
    return workflow


def cli(*args: str, **env: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env or None)


def audit_rows(flow, action: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with flow.engine.connect() as db:
        return [
            tuple(row)
            for row in db.execute(
                sa.text("""SELECT actor, on_behalf_of, credential FROM audit_log
                           WHERE action = :a ORDER BY id"""),
                {"a": action},
            )
        ]


def propose(flow) -> int:  # type: ignore[no-untyped-def]
    return flow.propose(REF, "contact.email", 0.7, "rag", "system:dcl")


def test_a_forged_autonomos_user_is_refused_in_one_line_and_audited(flow):
    mapping_id = propose(flow)
    result = cli("review", "approve", str(mapping_id), AUTONOMOS_USER="alice")  # alice: admin
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"autonomos: error: {ME} (OS account) may not act as 'alice' (--user / AUTONOMOS_USER): "
        "only an admin may act on someone's behalf (role: none)"
    )
    assert flow.get(mapping_id)["status"] == "proposed"
    assert audit_rows(flow, "user.act_for.refused") == [(ME, None, f"os:{ME}")]


def test_the_first_admin_is_the_account_that_claims_it(env):
    """Before any admin exists you can make yourself admin, not a name you type."""
    assert cli("users", "grant", "alice", "admin", "--user", "alice").exit_code == 2
    assert cli("users", "grant", "alice", "admin").exit_code == 2
    granted = cli("users", "grant", ME, "admin")
    assert granted.exit_code == 0, granted.output
    assert cli("users", "whoami").output.strip() == f"{ME} (OS account), role admin"


def test_an_admin_acting_on_behalf_is_audited_with_both_names(flow):
    assert cli("users", "grant", ME, "admin", "--user", "alice").exit_code == 2  # ME isn't
    flow.set_role(ME, "admin", "alice")
    mapping_id = propose(flow)
    result = cli("review", "approve", str(mapping_id), "--user", "rita")
    assert result.exit_code == 0, result.output
    assert flow.get(mapping_id)["approved_by"] == "rita"
    assert audit_rows(flow, "mapping.approve") == [(ME, "rita", f"os:{ME}")]
    refused = cli("review", "approve", str(propose(flow)), "--user", "nobody_at_all")
    assert refused.exit_code == 2  # acting for someone lends their rights, not the admin's
    assert "'nobody_at_all' may not approve" in refused.output


def issue(*args: str) -> tuple[str, str]:
    """(token, token id) from `users token issue`, as printed."""
    result = CliRunner().invoke(app, ["users", "token", "issue", *args])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    return token, token.split("_")[1]


def test_a_token_works_until_it_is_revoked_or_expires(flow):
    assert "may not token issue" in cli("users", "token", "issue", "rita").output
    flow.set_role(ME, "admin", "alice")
    token, token_id = issue("rita")
    assert cli("users", "whoami", AUTONOMOS_TOKEN=token).output.strip() == (
        f"rita (token {token_id}), role reviewer"
    )
    approved = cli("review", "approve", str(propose(flow)), AUTONOMOS_TOKEN=token)
    assert approved.exit_code == 0, approved.output
    assert audit_rows(flow, "mapping.approve") == [("rita", None, f"token:{token_id}")]
    with flow.engine.connect() as db:  # only a hash is at rest
        stored = db.execute(sa.text("SELECT * FROM user_tokens")).all()
    assert token.split("_", 2)[2] not in repr(stored)

    as_alice = cli("review", "approve", "1", "--user", "alice", AUTONOMOS_TOKEN=token)
    assert "rita (token" in as_alice.output and "may not act as 'alice'" in as_alice.output
    assert cli("users", "token", "revoke", token_id).exit_code == 0
    listed = cli("users", "token", "list", "rita").output
    assert f"{token_id}  rita  revoked until" in listed and token not in listed
    assert "'bob' has no role; grant one first" in cli("users", "token", "issue", "bob").output
    revoked = cli("review", "approve", str(propose(flow)), AUTONOMOS_TOKEN=token)
    assert revoked.exit_code == 2
    assert revoked.output.strip().endswith(
        f"AUTONOMOS_TOKEN {token_id} is revoked; an admin "
        "issues one with `autonomos users token issue NAME`"
    )

    short_lived, short_id = issue("rita", "--days", "1")
    with flow.engine.begin() as db:  # a day passes
        db.execute(sa.text("UPDATE user_tokens SET expires_at = now() - interval '1 second' "
                           "WHERE token_id = :id"), {"id": short_id})  # fmt: skip
    expired = cli("users", "whoami", AUTONOMOS_TOKEN=short_lived)
    assert f"AUTONOMOS_TOKEN {short_id} is expired" in expired.output
    forged = cli("users", "whoami", AUTONOMOS_TOKEN=short_lived[:-4] + "AAAA")
    assert "AUTONOMOS_TOKEN is not valid" in forged.output
    assert (
        "--days 0: a token lives 1 to 3650 days"
        in cli("users", "token", "issue", "rita", "--days", "0").output
    )


def database_socket_owner(database_url: str) -> pwd.struct_passwd:
    socket_dir = parse_qs(urlsplit(database_url).query)["host"][0]
    return pwd.getpwuid(Path(socket_dir).stat().st_uid)


def run_as(account: pwd.struct_passwd, flow: Workflow, *args: str) -> tuple[int, str]:
    """The CLI in a forked child that has given up root for `account`'s uid and gid: the
    kernel, not a variable, says who it is. Forked rather than exec'd, because this test's
    Python may live where another account cannot execute it; the child starts with no
    pooled connection of ours (dispose without close leaves the parent's open)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 70
        try:
            os.close(read_end)
            flow.engine.dispose(close=False)
            os.setgroups([])
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            result = CliRunner().invoke(app, list(args))
            os.write(write_end, result.output.encode())
            code = result.exit_code
        except BaseException as error:  # noqa: BLE001 (reported to the parent)
            os.write(write_end, repr(error).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as output:
        text = output.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), text


def test_another_os_account_cannot_act_as_an_admin(flow, env):
    """A real second uid: the account owning the test database's socket, the only one other
    than ours that can reach it."""
    other = database_socket_owner(env.database_url)
    if os.geteuid() != 0 or other.pw_uid == os.geteuid():
        pytest.skip("needs root, to run the CLI under a second OS account")
    flow.set_role(other.pw_name, "reviewer", "alice")
    mapping_id = propose(flow)

    code, output = run_as(other, flow, "review", "approve", str(mapping_id), "--user", "alice")
    assert (code, output.strip()) == (
        2,
        f"autonomos: error: {other.pw_name} (OS account) may not act as 'alice' "
        "(--user / AUTONOMOS_USER): only an admin may act on someone's behalf (role: reviewer)",
    )
    assert flow.get(mapping_id)["status"] == "proposed"
    code, output = run_as(other, flow, "review", "approve", str(mapping_id))
    assert code == 0, output
    assert flow.get(mapping_id)["approved_by"] == other.pw_name
    assert audit_rows(flow, "mapping.approve") == [(other.pw_name, None, f"os:{other.pw_name}")]


def test_the_baseline_every_tenant_inherits_is_an_admins_to_decide(flow):
    """As over HTTP (an all-tenant principal with scope admin): a reviewer's CLI approved
    and rejected the global baseline's proposals (a helper's probe); a tenant's are theirs."""
    flow.set_role(ME, "reviewer", "alice")
    baseline = FieldRef(None, "stripe", "customers", "email")
    shared = flow.propose(baseline, "contact.email", 0.7, "rag", "system:dcl")
    for verb in ("approve", "reject"):
        refused = cli("review", verb, str(shared))
        assert refused.exit_code == 2 and "needs an all-tenant admin" in refused.output
    assert flow.get(shared)["status"] == "proposed"
    refused = cli("review", "approve-table", "stripe.customers")  # the baseline's, by default
    assert refused.exit_code == 2 and f"{ME!r} may not" in refused.output, refused.output
    assert cli("review", "approve", str(propose(flow))).exit_code == 0  # acme's: a reviewer's
    flow.set_role(ME, "admin", "alice")
    approved = cli("review", "approve", str(shared))
    assert approved.exit_code == 0, approved.output
    assert flow.get(shared)["status"] == "active"
