"""`spyglass export focus` against the real service: FOCUS rows, exact reconciliation, bad arguments."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest

from pipelines.costs import focus
from pipelines.costs.catalog import load_shipped
from pipelines.costs.job import run_cost_job
from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from spyglass.cli.main import main
from store import query_rows
from store.queries.gpu_costs import LATEST_RUN
from tests.helpers.catalogs import utc
from tests.helpers.gpu_data import call, insert_calls, insert_samples, samples

T = utc(2026, 11, 20, 12)
MINUTE = timedelta(minutes=1)
PRICES = GpuPriceTable({"H100": Decimal("2.40")})
TAGS = {"environment": "prod", "feature": "answer", "project": "p", "service": "chat", "team": "search"}


@pytest.fixture
def service(service_factory):
    """The service prices GPUs as the tests do: its own GPU cost job may run on the seeded hours first."""
    return service_factory(gpu={"model_prices": {"H100": "2.40"}})


def _seed(store, *extra: tuple) -> None:
    insert_samples(store, samples("gpu-a", "a1", "NVIDIA H100 80GB HBM3", T, 60, MINUTE, 0.5))
    insert_calls(store, [
        call(T + 5 * MINUTE, "api1", "api.openai.com", 1000, 500, provider="openai", model="gpt-4o"),
        call(T + 6 * MINUTE, "api2", "api.example.com", 10, 10, provider="openai", model="mystery-model-9000"),
        call(T + 7 * MINUTE, "gpu1", "gpu-a", 200, 100),
        call(T + 8 * MINUTE, "gpu2", "gpu-a", 50, 50, team="ads"), *extra])
    run_cost_job(store, load_shipped(), datetime.now(timezone.utc) + timedelta(seconds=5))
    run_gpu_cost_job(store, PRICES, AllocationConfig(self_hosted_providers=frozenset({"vllm"})),
                     T + timedelta(hours=2))


def _expected_total(store) -> Decimal:
    """What the export must add up to: priced request_costs + the GPU hosts' cost, from the store.

    (In this data no GPU-served call has a token price; the next test covers one that has.)
    """
    window = {"start": "2026-11-20 12:00:00", "end": "2026-11-20 14:00:00"}
    api = query_rows(store, "SELECT sum(cost_total) AS s FROM request_costs FINAL WHERE priced "
                            "AND timestamp >= '2026-11-20 12:00:00' AND timestamp < '2026-11-20 14:00:00'")[0]["s"]
    gpu = query_rows(store, f"SELECT sum(cost) AS s FROM gpu_cost_hourly FINAL WHERE priced AND {LATEST_RUN}",
                     window)[0]["s"]
    return api + gpu


def _export(service, tmp_path, fmt: str) -> pl.DataFrame:
    """Export to focus.<fmt> (the extension chooses the format) and read the file back."""
    out = tmp_path / f"focus.{fmt}"
    code = main(["export", "focus", "--since", "2026-11-20T12:30:00Z", "--until", "2026-11-20T13:10:00Z",
                 "-o", str(out), "--api-url", service.api])
    assert code == 0
    if fmt == "parquet":
        return pl.read_parquet(out)
    if fmt == "json":
        return pl.DataFrame(json.loads(out.read_text()), infer_schema_length=None)
    return pl.read_csv(out, infer_schema=False)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_rows_and_exact_reconciliation(service, tmp_path, fmt):
    _seed(service.store)
    rows = _export(service, tmp_path, fmt)
    got = {(r["ResourceId"], r["x_CostKind"], r["Tags"]): r for r in rows.to_dicts()}
    assert len(got) == rows.height == 5
    # gpt-4o: 1000 input x 2.50 + 500 output x 10.00 per million = 0.0075.
    gpt = got[("openai/gpt-4o", "api", json.dumps(TAGS, sort_keys=True))]
    assert _money(gpt["BilledCost"]) == _money(gpt["EffectiveCost"]) == _money(gpt["ListCost"]) == Decimal("0.0075")
    assert _money(gpt["ContractedCost"]) == Decimal("0.0075")
    assert (gpt["ChargeCategory"], gpt["ServiceCategory"], gpt["ProviderName"], gpt["SkuId"]) == (
        "Usage", "AI and Machine Learning", "openai", "openai-gpt-4o")
    assert (_money(gpt["ConsumedQuantity"]), gpt["ConsumedUnit"], _money(gpt["PricingQuantity"]),
            gpt["PricingUnit"]) == (Decimal(1500), "Tokens", Decimal("0.0015"), "1000000 Tokens")
    assert str(gpt["ChargePeriodStart"]).startswith("2026-11-20")  # the hour 12:00, widened from 12:30
    assert int(gpt["x_UnpricedCalls"]) == 0 and gpt["BillingCurrency"] == "USD"
    # The unknown model: counted, costed 0 as FOCUS needs a number, and said to have no price.
    mystery = got[("openai/mystery-model-9000", "api", json.dumps(TAGS, sort_keys=True))]
    assert _money(mystery["BilledCost"]) == 0 and int(mystery["x_UnpricedCalls"]) == 1
    assert "price unknown" in mystery["ChargeDescription"] and mystery["SkuPriceId"] in (None, "")
    # Columns FOCUS 1.2 requires of every row (focus-validator's CostAndUsage-D rules), and no null cost.
    assert {"BillingAccountId", "BillingAccountName", "ChargeClass", "ChargeDescription", "InvoiceId"} <= set(rows.columns)
    for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingAccountId", "ChargeDescription"):
        assert rows[column].null_count() == 0, column
    assert rows["ChargeClass"].null_count() == rows.height  # no corrections
    # gpu-a: 2.40 for the hour, 50 % used = 1.20 split 300:100 over the two calls; 1.20 idle.
    search = got[("gpu-host/gpu-a", "gpu-allocated", json.dumps(TAGS, sort_keys=True))]
    ads = got[("gpu-host/gpu-a", "gpu-allocated", json.dumps({**TAGS, "team": "ads"}, sort_keys=True))]
    idle = got[("gpu-host/gpu-a", "gpu-idle", json.dumps({"project": "p"}))]
    assert (_money(search["BilledCost"]), _money(ads["BilledCost"])) == (Decimal("0.9"), Decimal("0.3"))
    assert (search["x_Model"], search["PublisherName"], search["ProviderName"]) == ("llama-3.1-70b", "vllm",
                                                                                  "Self-hosted")
    assert _money(idle["BilledCost"]) == _money(idle["x_IdleCost"]) == Decimal("1.2")
    assert (_money(idle["ConsumedQuantity"]), idle["ConsumedUnit"]) == (Decimal("0.5"), "GPU-Hours")
    total = sum((_money(v) for v in rows["BilledCost"].to_list() if v not in (None, "")), Decimal(0))
    assert total == _expected_total(service.store) == Decimal("2.4075")


def test_a_gpu_served_call_with_a_token_price_is_counted_once(service, tmp_path):
    # An OpenAI-compatible server on gpu-a reports provider openai and model gpt-4o: the cost
    # job prices its tokens (200 x 2.50 + 100 x 10.00 per million = 0.0015), but it ran on our GPU.
    _seed(service.store, call(T + 9 * MINUTE, "gpu3", "gpu-a", 200, 100, provider="openai", model="gpt-4o"))
    rows = _export(service, tmp_path, "parquet")
    gpt = rows.filter(pl.col("ResourceId") == "openai/gpt-4o")
    assert gpt["x_RequestCount"].to_list() == [1] and gpt["BilledCost"].to_list() == [Decimal("0.0075")]
    on_gpu = rows.filter(pl.col("x_CostKind") == "gpu-allocated", pl.col("x_Model") == "gpt-4o")
    assert on_gpu["x_RequestCount"].to_list() == [1]
    token_costs = query_rows(service.store, "SELECT sum(cost_total) AS s FROM request_costs FINAL WHERE priced")
    assert token_costs[0]["s"] == Decimal("0.009")  # both gpt-4o calls have a token price ...
    assert sum(rows["BilledCost"].drop_nulls().to_list(), Decimal(0)) == Decimal("2.4075")  # ... counted once


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exits
        code = exc.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("extra, message", [
    (["--since", "yesterday"], "--since: 'yesterday' is neither RFC 3339"),
    (["--since", "2026-11-20T14:00:00Z", "--until", "2026-11-20T12:00:00Z"], "must be before --until"),
    (["--since", "2026-11-20T12:00:00"], "has no time zone"),
    (["--since", "1h", "--format", "xml"], "invalid choice: 'xml'"),
])
def test_bad_arguments_are_one_line_exit_2_and_write_nothing(tmp_path, capsys, extra, message):
    # Refused before any request: the API URL points nowhere, which would be a different error.
    out = tmp_path / "focus.csv"
    code, err = _run(["export", "focus", "-o", str(out), "--api-url", "http://127.0.0.1:9", *extra], capsys)
    assert code == 2 and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, extra, message", [
    ("focus.json", ["--format", "csv"], "-o: focus.json names a json file, but --format is csv"),
    ("focus.xlsx", [], "-o: the export writes .csv, .parquet, .json files, not .xlsx"),
])
def test_a_file_name_that_contradicts_the_format_is_refused(tmp_path, capsys, name, extra, message):
    code, err = _run(["export", "focus", "--since", "1h", "-o", str(tmp_path / name), "--api-url",
                      "http://127.0.0.1:9", *extra], capsys)
    assert code == 2 and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_json_export_is_json_with_exact_money(service, tmp_path):
    _seed(service.store)
    out = tmp_path / "x.json"
    assert main(["export", "focus", "--since", "2026-11-20T12:30:00Z", "--until", "2026-11-20T13:10:00Z",
                 "-o", str(out), "--api-url", service.api]) == 0
    rows = json.loads(out.read_text())
    assert list(rows[0]) == list(focus.SCHEMA)
    assert sorted(row["BilledCost"] for row in rows if row["x_CostKind"] == "api") == ["0", "0.0075"]


def test_a_period_the_api_refuses_is_one_line_exit_2_and_writes_nothing(service, tmp_path, capsys):
    code, err = _run(["export", "focus", "-o", str(tmp_path / "focus.csv"), "--api-url", service.api,
                      "--since", "2020-01-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "the API refused the export" in err and "longer than 366 days" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_output_and_unreachable_api_are_one_line(tmp_path, capsys):
    code, err = _run(["export", "focus", "--since", "1h"], capsys)
    assert (code, err) == (2, "spyglass: export focus: the following arguments are required: -o/--output\n")
    code, err = _run(["export", "focus", "--since", "1h", "-o", str(tmp_path / "f.csv"),
                      "--api-url", "http://127.0.0.1:9"], capsys)
    assert code == 2 and err.startswith("spyglass: cannot connect to the Spyglass API") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
