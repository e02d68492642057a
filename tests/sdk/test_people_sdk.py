"""``client.people`` and ``client.suppressions`` against the real collector, sync and async."""

from __future__ import annotations

import asyncio
import json

import fiilis
import pytest


def test_a_person_is_added_changed_listed_and_erased(sdk):
    made = sdk.people.upsert("u/42", email="Aino@Acme.fi", name="Aino", traits={"plan": "pro"})
    assert isinstance(made, fiilis.Person)
    assert (made.user_id, made.email, made.traits) == ("u/42", "aino@acme.fi", {"plan": "pro"})
    changed = sdk.people.upsert("u/42", locale="fi", traits={"plan": None, "seats": 3})
    assert (changed.name, changed.locale, changed.traits) == ("Aino", "fi", {"seats": 3})
    assert sdk.people.get("u/42").locale == "fi"
    assert [p.user_id for p in sdk.people.list(email="aino@acme.fi")] == ["u/42"]
    erased = sdk.people.delete("u/42")
    assert erased.deleted["users"] == 1
    with pytest.raises(fiilis.NotFoundError):
        sdk.people.get("u/42")


def test_an_invalid_address_is_a_validation_error_naming_the_field(sdk):
    with pytest.raises(fiilis.ValidationError) as caught:
        sdk.people.upsert("u1", email="nobody")
    assert "email" in str(caught.value)


def test_people_import_in_calls_and_again_changes_nothing(sdk, tmp_path):
    people = [{"user_id": f"u{i}", "email": f"p{i}@acme.fi"} for i in range(7)]
    people[4]["email"] = "broken@"
    file = tmp_path / "people.jsonl"
    file.write_text("".join(json.dumps(p) + "\n" for p in people))
    report = sdk.people.import_(file, batch_size=3)
    assert isinstance(report, fiilis.PeopleImportReport)
    assert (report.imported, report.updated, report.errors_count) == (6, 0, 1)
    assert [(e.line, e.param) for e in report.errors] == [(5, "email")]
    again = sdk.people.import_(people, batch_size=3)
    assert (again.imported, again.unchanged) == (0, 6)
    assert len(list(sdk.people.list(limit=2))) == 6


def test_suppressions_are_added_listed_and_removed(sdk, other_sdk):
    made = sdk.suppressions.create(email="Aino@Acme.fi", reason="bounced", detail="550 no user")
    assert isinstance(made, fiilis.Suppression)
    assert (made.email, made.reason) == ("aino@acme.fi", "bounced")
    assert sdk.suppressions.create(email="aino@acme.fi", reason="complained").id == made.id
    assert [s.email for s in sdk.suppressions.list(reason="bounced")] == ["aino@acme.fi"]
    assert list(other_sdk.suppressions.list()) == []
    assert sdk.suppressions.get("aino@acme.fi").detail == "550 no user"
    assert sdk.suppressions.delete("aino@acme.fi").deleted
    with pytest.raises(fiilis.NotFoundError):
        sdk.suppressions.get("aino@acme.fi")


def test_the_async_client_has_the_same_people_and_suppressions(async_sdk_factory):
    async def main():
        async with async_sdk_factory() as client:
            await client.people.upsert("u1", email="aino@acme.fi")
            report = await client.people.import_([{"user_id": "u2", "name": "Bertil"}])
            listed = [p.user_id async for p in client.people.list()]
            person = await client.people.get("u2")
            await client.suppressions.create(email="aino@acme.fi", reason="manual")
            suppressed = [s.email async for s in client.suppressions.list()]
            removed = await client.suppressions.delete("aino@acme.fi")
            erased = await client.people.delete("u1")
            return report, listed, person, suppressed, removed, erased

    report, listed, person, suppressed, removed, erased = asyncio.run(main())
    assert report.imported == 1
    assert listed == ["u2", "u1"]
    assert person.name == "Bertil"
    assert suppressed == ["aino@acme.fi"]
    assert removed.email == "aino@acme.fi"
    assert erased.deleted["users"] == 1
