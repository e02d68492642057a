"""``client.reviews`` and ``client.actions`` against the real collector, sync and async."""

from __future__ import annotations

import asyncio
from datetime import date

import fiilis
import pytest

from collector import db
from collector.services import accounts, sites


@pytest.fixture
def owner(app, site):
    with app.app_context():
        made = sites.by_public_key(db.session(), site.public_key)
        accounts.create(db.session(), made, email="aino@example.com", password="x" * 12)
    return "aino@example.com"


def test_the_sdk_records_a_review_and_its_actions(sdk, other_sdk, owner):
    review = sdk.reviews.create(
        since=date(2026, 11, 1),
        until=date(2026, 12, 1),
        attendees=["Aino"],
        next_review_on=date(2027, 1, 5),
    )
    assert isinstance(review, fiilis.Review)
    assert (review.since, review.until, review.next_review_on) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 5),
    )
    made = sdk.actions.create(
        title="Fix the invoice PDF", due_on=date(2026, 12, 15), owner=owner, review=review.id
    )
    assert isinstance(made, fiilis.Action)
    assert (made.owner, made.due_on, made.status) == (owner, date(2026, 12, 15), "open")
    done = sdk.actions.update(made.id, status="done")
    assert done.done_at is not None
    assert [a.id for a in sdk.actions.list(review=review.id, status="done")] == [made.id]
    assert sdk.reviews.update(review.id, summary="Invoices").summary == "Invoices"
    assert [r.id for r in sdk.reviews.list()] == [review.id]
    with pytest.raises(fiilis.NotFoundError):
        other_sdk.actions.get(made.id)
    with pytest.raises(fiilis.NotFoundError):
        sdk.actions.create(title="x", due_on="2026-12-01", owner="nobody@example.com")
    with pytest.raises(fiilis.ValidationError):
        sdk.reviews.create(since="2026-12-01", until="2026-11-01")
    with pytest.raises(ValueError):
        sdk.actions.update(made.id)


def test_the_async_client_has_the_same_reviews_and_actions(async_sdk_factory, owner):
    async def main():
        async with async_sdk_factory() as client:
            review = await client.reviews.create(since="2026-11-01", until="2026-12-01")
            made = await client.actions.create(
                title="Call Acme", due_on="2026-12-10", owner=owner, review=review.id
            )
            await client.actions.update(made.id, status="dropped")
            listed = [a async for a in client.actions.list(status="dropped")]
            read = await client.reviews.get(review.id)
            changed = await client.reviews.update(review.id, next_review_on="2027-01-05")
            reviews = [r.id async for r in client.reviews.list()]
            return review, made, listed, read, changed, reviews

    review, made, listed, read, changed, reviews = asyncio.run(main())
    assert [a.id for a in listed] == [made.id] and listed[0].status == "dropped"
    assert read == review
    assert changed.next_review_on == date(2027, 1, 5)
    assert reviews == [review.id]
