"""The Import page in a real Chromium: upload a CSV, see its first rows, map the columns, try a
dry run, import on the worker and follow it on the progress page; desktop and phone, light and
dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import make_survey
from e2e.test_dashboard import account, dashboard, log_in  # noqa: F401 (fixtures)
from tests.workers import Worker

CSV = (
    "Submitted At,Email,Rating,Why,Plan\n"
    "2025-02-03 14:05,aino@example.test,5,Nopea ja selkeä,pro\n"
    "2025-02-04 09:00,matti@example.test,2,Lasku tuli kahdesti,free\n"
    "2025-02-05 10:00,noor@example.test,9,Liian iso,free\n"
    "2025-02-06 11:30,emma@example.test,4,Ok,pro\n"
)


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
)
def test_a_csv_is_uploaded_mapped_tried_and_imported(
    dashboard,  # noqa: F811
    collector,
    site,
    shoot,
    tmp_path,
    width,
    scheme,
):
    page = dashboard
    page.set_viewport_size({"width": width, "height": 1000})
    page.emulate_media(color_scheme=scheme)
    survey = make_survey(site, "csat", name="Invoices")
    path = tmp_path / "typeform.csv"
    path.write_text(CSV)
    device = "phone" if width < 600 else "desktop"

    page.goto(f"{collector.url}/dashboard/import")
    shoot(page, f"dashboard-import-upload-{device}-{scheme}")
    page.get_by_label("Into the survey").select_option(survey["id"])
    page.get_by_label("CSV with a header row", exact=False).check()
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("table")).to_contain_text("matti@example.test")
    expect(page.get_by_label("Score (needed)")).to_have_value("Rating")
    page.get_by_label("Comment").select_option("Why")
    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_role("heading", name="Dry run: nothing was stored")).to_be_visible()
    expect(page.get_by_text("Line 4")).to_be_visible()
    shoot(page, f"dashboard-import-dry-run-{device}-{scheme}")
    assert site.api.get("/v1/responses", params={"survey": survey["id"]}).json()["data"] == []

    page.get_by_role("button", name="Import", exact=True).click()
    # No worker yet: the progress page says the import waits for one, and keeps looking.
    expect(page.get_by_role("heading", name="Queued into Invoices")).to_be_visible()
    expect(page.get_by_text("waiting for the worker")).to_be_visible()
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    shoot(page, f"dashboard-import-progress-{device}-{scheme}")
    assert site.api.get("/v1/responses", params={"survey": survey["id"]}).json()["data"] == []

    worker = Worker(collector.app).start()
    try:
        # The page reloads itself (every 2 s) until the worker has imported the file.
        expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible(
            timeout=20_000
        )
    finally:
        worker.stop()
    worker.raise_errors()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    stored = site.api.get("/v1/responses", params={"survey": survey["id"]}).json()["data"]
    assert sorted(r["score"] for r in stored) == [2, 4, 5]
    shoot(page, f"dashboard-import-done-{device}-{scheme}")
