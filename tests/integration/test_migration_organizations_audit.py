"""Revision 0002 on a database already in use: organisations registered before it stay usable —
active, approved when they were created — and the audit log arrives with the indexes its queries
need. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from omk_adapters.sql.engine import make_engine
from omk_adapters.sql.migrate import alembic_config, current, head, upgrade
from omk_adapters.sql.uow import SqlAlchemyUnitOfWork, make_session_factory
from omk_domain.identity.model import OrganizationStatus
from omk_domain.ports import OrganizationFilter

pytestmark = pytest.mark.integration

CREATED = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = (f"sqlite:///{tmp_path / 'old.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    made = make_engine(url)
    yield made
    made.dispose()


def at_0001_with_a_client(engine: sa.Engine) -> None:
    """A database of the first release: an organisation with a member (who holds a foreign key)."""
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO organizations (id, name, inn, kpp, created_at) "
                             "VALUES ('org-1', 'ООО «Ромашка»', '7707083893', '773601001', :at)"), {"at": CREATED})
        conn.execute(sa.text("INSERT INTO users (id, email, full_name, role, organization_id, created_at) "
                             "VALUES ('user-1', 'buyer@romashka.ru', 'Анна', 'bidder', 'org-1', :at)"),
                     {"at": CREATED})


def test_organisations_of_the_first_release_become_active_and_stay_usable(engine: sa.Engine) -> None:
    at_0001_with_a_client(engine)

    upgrade(engine)

    assert current(engine) == head()
    factory = make_session_factory(engine)
    with SqlAlchemyUnitOfWork(factory) as uow:
        org = uow.organizations.get("org-1")
        assert (org.status, org.approved_at, org.status_changed_at, org.version) == (
            OrganizationStatus.ACTIVE, CREATED, CREATED, 0)
        assert (org.kpp, org.ogrn, org.sap_customer_no, org.manager_user_id) == ("773601001", None, None, None)
        org.block(CREATED, "Проверка после обновления")
        uow.commit()
    with SqlAlchemyUnitOfWork(factory) as uow:
        blocked = uow.organizations.list(OrganizationFilter(status=OrganizationStatus.BLOCKED))
        assert [(o.id, o.version) for o in blocked] == [("org-1", 1)]


def test_the_audit_log_and_the_new_organisation_columns_have_their_indexes(engine: sa.Engine) -> None:
    upgrade(engine)
    inspector = sa.inspect(engine)

    audit_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("audit_log")}
    org_indexes = {tuple(ix["column_names"]): bool(ix["unique"]) for ix in inspector.get_indexes("organizations")}
    assert audit_indexes >= {("at",), ("organization_id", "at"), ("action",), ("actor_user_id", "at")}
    assert org_indexes[("sap_customer_no",)] is True
    assert ("status", "name") in org_indexes and ("manager_user_id",) in org_indexes


def test_0002_can_be_undone_and_done_again_with_data_in_place(engine: sa.Engine) -> None:
    at_0001_with_a_client(engine)
    upgrade(engine)

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert current(engine) == "0001"
    assert "audit_log" not in sa.inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM users WHERE organization_id = 'org-1'")).scalar_one() == 1

    upgrade(engine)
    assert current(engine) == head()
