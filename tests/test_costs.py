"""The cost model against sums worked by hand (prices: us-east-1, checked 2026-11)."""

import pytest

from helpers.costs import (
    PRICES,
    AppTraffic,
    break_even_requests,
    cost_curve,
    ec2_monthly_cost,
    monthly_cost,
)

EXACT = 1e-9
GB = 1024 * 1024  # KB in a GB


def quiet(**overrides) -> AppTraffic:
    """A month with nothing in it, so a test switches on only the service it checks."""
    nothing = dict(requests_per_month=0, page_views_per_month=0, cold_start_fraction=0,
                   dynamodb_storage_gb=0, site_storage_gb=0, site_files=0,
                   log_bytes_per_invocation=0, hosted_zones=0)
    return AppTraffic(**{**nothing, **overrides})


def test_a_quiet_month_costs_nothing():
    assert monthly_cost(quiet()).total == 0


def test_lambda_bills_requests_and_gb_seconds_without_free_tier():
    bill = monthly_cost(quiet(requests_per_month=1e6, lambda_memory_mb=128, lambda_duration_ms=100))
    # requests: 1e6 / 1e6 × $0.20 = $0.20
    assert bill.cost_of("AWS Lambda", "Requests") == pytest.approx(0.20, rel=EXACT)
    # compute: 1e6 × 0.125 GB × 0.1 s = 12,500 GB-s × $0.0000166667 = $0.20833375
    assert bill.cost_of("AWS Lambda", "Compute") == pytest.approx(0.20833375, rel=EXACT)
    assert bill.by_service()["AWS Lambda"] == pytest.approx(0.40833375, rel=EXACT)


def test_lambda_free_tier_covers_a_million_small_invocations():
    traffic = quiet(requests_per_month=1e6, lambda_memory_mb=128, lambda_duration_ms=100)
    # 1e6 requests ≤ 1M free; 12,500 GB-s ≤ 400,000 free
    assert monthly_cost(traffic, free_tier=True).cost_of("AWS Lambda") == 0


def test_lambda_free_tier_only_removes_the_allowance():
    traffic = quiet(requests_per_month=3e6, lambda_memory_mb=1024, lambda_duration_ms=200)
    bill = monthly_cost(traffic, free_tier=True)
    # requests: (3e6 − 1e6) / 1e6 × $0.20 = $0.40
    assert bill.cost_of("AWS Lambda", "Requests") == pytest.approx(0.40, rel=EXACT)
    # compute: 3e6 × 1 GB × 0.2 s = 600,000 GB-s; (600,000 − 400,000) × $0.0000166667 = $3.33334
    assert bill.cost_of("AWS Lambda", "Compute") == pytest.approx(3.33334, rel=EXACT)


def test_arm64_uses_the_cheaper_gb_second_price():
    traffic = quiet(requests_per_month=1e6, lambda_memory_mb=128, lambda_duration_ms=100,
                    lambda_architecture="arm64")
    # 12,500 GB-s × $0.0000133334 = $0.1666675
    assert monthly_cost(traffic).cost_of("AWS Lambda", "Compute") == pytest.approx(
        0.1666675, rel=EXACT)


def test_fractional_duration_is_billed_up_to_the_next_millisecond():
    traffic = quiet(requests_per_month=1e6, lambda_memory_mb=1024, lambda_duration_ms=1.2)
    # 1.2 ms is billed as 2 ms: 1e6 × 1 GB × 0.002 s = 2,000 GB-s × $0.0000166667 = $0.0333334
    assert monthly_cost(traffic).cost_of("AWS Lambda", "Compute") == pytest.approx(
        0.0333334, rel=EXACT)


def test_cold_starts_add_their_billed_init_phase():
    traffic = quiet(requests_per_month=1e6, lambda_memory_mb=128, lambda_duration_ms=100,
                    cold_start_fraction=0.01, lambda_init_ms=249.5)
    # INIT: 1e6 × 0.01 = 10,000 cold starts × 0.25 s (249.5 ms → 250 ms) × 0.125 GB = 312.5 GB-s
    # (12,500 + 312.5) GB-s × $0.0000166667 = $0.2135420938
    assert monthly_cost(traffic).cost_of("AWS Lambda", "Compute") == pytest.approx(
        12_812.5 * 0.0000166667, rel=EXACT)


def test_http_api_costs_a_dollar_per_million_requests():
    traffic = quiet(requests_per_month=3e6)
    # 3e6 / 1e6 × $1.00 = $3.00
    assert monthly_cost(traffic).cost_of("Amazon API Gateway") == pytest.approx(3.00, rel=EXACT)


def test_http_api_free_million_needs_the_twelve_month_offers():
    traffic = quiet(requests_per_month=3e6)
    # always-free tier alone: no API Gateway allowance, still $3.00
    always = monthly_cost(traffic, free_tier=True)
    assert always.cost_of("Amazon API Gateway") == pytest.approx(3.00, rel=EXACT)
    # with the 12-month offers: (3e6 − 1e6) / 1e6 × $1.00 = $2.00
    new = monthly_cost(traffic, free_tier=True, twelve_month_offers=True)
    assert new.cost_of("Amazon API Gateway") == pytest.approx(2.00, rel=EXACT)


def test_twelve_month_offers_without_free_tier_is_refused():
    with pytest.raises(ValueError, match="free_tier=True"):
        monthly_cost(quiet(), twelve_month_offers=True)


def test_http_api_meters_large_payloads_in_512_kb_steps():
    traffic = quiet(requests_per_month=1e6, api_payload_kb=600)
    # 600 KB → ceil(600 / 512) = 2 metered requests each: 2e6 / 1e6 × $1.00 = $2.00
    assert monthly_cost(traffic).cost_of("Amazon API Gateway") == pytest.approx(2.00, rel=EXACT)


def test_rest_api_costs_three_fifty_per_million():
    traffic = quiet(requests_per_month=1e6, api_type="rest", api_payload_kb=600)
    # REST APIs have no 512 KB metering here: 1e6 / 1e6 × $3.50 = $3.50
    assert monthly_cost(traffic).cost_of("Amazon API Gateway") == pytest.approx(3.50, rel=EXACT)


def test_dynamodb_splits_reads_and_writes_by_write_fraction():
    traffic = quiet(requests_per_month=10e6, write_fraction=0.2, dynamodb_reads_per_request=2)
    bill = monthly_cost(traffic)
    # reads: 10e6 × 0.8 × 2 RRU = 16e6 RRU × $0.125 / 1e6 = $2.00
    assert bill.cost_of("Amazon DynamoDB", "Read") == pytest.approx(2.00, rel=EXACT)
    # writes: 10e6 × 0.2 × 1 WRU = 2e6 WRU × $0.625 / 1e6 = $1.25
    assert bill.cost_of("Amazon DynamoDB", "Write") == pytest.approx(1.25, rel=EXACT)


def test_dynamodb_storage_above_25_gb_is_charged_with_free_tier():
    traffic = quiet(dynamodb_storage_gb=30)
    # without free tier: 30 × $0.25 = $7.50; with it: (30 − 25) × $0.25 = $1.25
    assert monthly_cost(traffic).cost_of("Amazon DynamoDB") == pytest.approx(7.50, rel=EXACT)
    assert monthly_cost(traffic, free_tier=True).cost_of("Amazon DynamoDB") == pytest.approx(
        1.25, rel=EXACT)


def test_cloudfront_bills_data_out_by_page_weight_and_requests_by_object():
    traffic = quiet(page_views_per_month=GB, average_page_weight_kb=1024, objects_per_page_view=5)
    bill = monthly_cost(traffic)
    # data: 1,048,576 views × 1024 KB = 1024 GB × $0.085 = $87.04
    assert bill.cost_of("Amazon CloudFront", "Data") == pytest.approx(87.04, rel=EXACT)
    # requests: 1,048,576 × 5 = 5,242,880 × $0.0100 / 10,000 = $5.24288
    assert bill.cost_of("Amazon CloudFront", "HTTPS") == pytest.approx(5.24288, rel=EXACT)


def test_cloudfront_free_tier_covers_a_terabyte_and_ten_million_requests():
    traffic = quiet(page_views_per_month=GB, average_page_weight_kb=1024, objects_per_page_view=5)
    # 1024 GB ≤ 1 TB free; 5,242,880 requests ≤ 10M free
    assert monthly_cost(traffic, free_tier=True).cost_of("Amazon CloudFront") == 0


def test_api_calls_also_pass_through_cloudfront():
    traffic = quiet(requests_per_month=GB, api_payload_kb=2)
    bill = monthly_cost(traffic)
    # data: 1,048,576 calls × 2 KB = 2 GB × $0.085 = $0.17
    assert bill.cost_of("Amazon CloudFront", "Data") == pytest.approx(0.17, rel=EXACT)
    # requests: 1,048,576 × $0.0100 / 10,000 = $1.048576
    assert bill.cost_of("Amazon CloudFront", "HTTPS") == pytest.approx(1.048576, rel=EXACT)


def test_s3_serves_only_cache_misses_and_deploys():
    traffic = quiet(page_views_per_month=1e6, objects_per_page_view=5, cache_hit_ratio=0.9,
                    site_storage_gb=2, site_files=20, site_deploys_per_month=4)
    bill = monthly_cost(traffic)
    # GET: 1e6 × 5 × (1 − 0.9) = 500,000 × $0.0004 / 1,000 = $0.20
    assert bill.cost_of("Amazon S3", "GET") == pytest.approx(0.20, rel=EXACT)
    # PUT: 20 files × 4 deploys = 80 × $0.005 / 1,000 = $0.0004
    assert bill.cost_of("Amazon S3", "PUT") == pytest.approx(0.0004, rel=EXACT)
    # storage: 2 GB × $0.023 = $0.046
    assert bill.cost_of("Amazon S3", "Standard storage") == pytest.approx(0.046, rel=EXACT)


def test_route53_hosted_zone_is_a_fixed_cost_the_free_tier_does_not_cover():
    # 1 zone × $0.50; alias queries to CloudFront are free, so no query charge
    assert monthly_cost(quiet(hosted_zones=1)).total == pytest.approx(0.50, rel=EXACT)
    assert monthly_cost(quiet(hosted_zones=1), free_tier=True, twelve_month_offers=True
                        ).total == pytest.approx(0.50, rel=EXACT)


def test_route53_standard_queries_cost_forty_cents_per_million():
    traffic = quiet(dns_standard_queries_per_month=5e6)
    # 5e6 / 1e6 × $0.40 = $2.00
    assert monthly_cost(traffic).cost_of("Amazon Route 53", "Standard") == pytest.approx(
        2.00, rel=EXACT)


def test_logs_bill_ingestion_and_retained_storage():
    traffic = quiet(requests_per_month=GB, log_bytes_per_invocation=1024, log_retention_days=7)
    bill = monthly_cost(traffic)
    # ingestion: 1,048,576 × 1024 B = 1 GB × $0.50 = $0.50
    assert bill.cost_of("Amazon CloudWatch Logs", "Ingestion") == pytest.approx(0.50, rel=EXACT)
    # storage: 1 GB × 7 days / (730 / 24) days = 0.2301369863 GB-month × $0.03
    assert bill.cost_of("Amazon CloudWatch Logs", "Storage") == pytest.approx(
        7 / (730 / 24) * 0.03, rel=EXACT)
    # 1 GB ingestion ≤ 5 GB free
    free = monthly_cost(traffic, free_tier=True)
    assert free.cost_of("Amazon CloudWatch Logs", "Ingestion") == 0


def test_ec2_t3_micro_with_public_ipv4_and_8_gb_disk():
    # (0.0104 + 0.005) $/h × 730 h + 8 GB × $0.08 = 11.242 + 0.64 = $11.882
    assert ec2_monthly_cost("t3.micro").total == pytest.approx(11.882, rel=EXACT)


def test_ec2_without_public_ipv4_pays_only_instance_and_disk():
    # t4g.small: 0.0168 × 730 = 12.264; 20 GB × 0.08 = 1.60; total $13.864
    bill = ec2_monthly_cost("t4g.small", public_ipv4=False, ebs_gb=20)
    assert bill.total == pytest.approx(13.864, rel=EXACT)


def test_ec2_unknown_instance_says_which_ones_are_priced():
    with pytest.raises(ValueError, match="t3.micro"):
        ec2_monthly_cost("m7i.48xlarge")


def test_break_even_costs_the_same_as_the_instance():
    template = AppTraffic()
    requests = break_even_requests(template, "t3.micro")
    ec2 = ec2_monthly_cost("t3.micro").total
    assert requests is not None and requests > 0
    assert monthly_cost(template.with_requests(requests)).total == pytest.approx(ec2, abs=0.01)
    assert monthly_cost(template.with_requests(0.9 * requests)).total < ec2
    assert monthly_cost(template.with_requests(1.1 * requests)).total > ec2


def test_free_tier_moves_the_break_even_to_more_requests():
    template = AppTraffic()
    assert break_even_requests(template, free_tier=True) > break_even_requests(template)


def test_break_even_is_none_when_serverless_stays_cheaper_within_the_bound():
    assert break_even_requests(AppTraffic(), upper=1_000) is None


def test_break_even_is_zero_when_fixed_costs_alone_exceed_the_instance():
    # 1,000 GB of site storage × $0.023 = $23 a month before any request
    assert break_even_requests(AppTraffic(site_storage_gb=1_000)) == 0.0


def test_cost_curve_matches_monthly_cost_and_never_falls():
    template = AppTraffic()
    requests_values = [0, 1e5, 1e6, 1e7, 1e8]
    curve = cost_curve(template, requests_values)
    assert [requests for requests, _ in curve] == requests_values
    assert curve[2][1] == monthly_cost(template.with_requests(1e6)).total
    costs = [cost for _, cost in curve]
    assert costs == sorted(costs)


def test_rows_are_a_table_whose_costs_add_up_to_the_total():
    bill = monthly_cost(AppTraffic())
    rows = bill.rows()
    assert {"service", "item", "quantity", "unit", "unit_price_usd", "cost_usd"} <= rows[0].keys()
    assert sum(row["cost_usd"] for row in rows) == pytest.approx(bill.total, rel=EXACT)


def test_traffic_past_the_first_price_tier_warns():
    bill = monthly_cost(quiet(requests_per_month=400e6))
    assert any("HTTP API" in warning for warning in bill.warnings)
    assert not monthly_cost(AppTraffic()).warnings


def test_every_price_names_its_source_page():
    rows = PRICES.rows()
    assert len(rows) >= 20
    assert all(row["source"].startswith("https://aws.amazon.com/") for row in rows)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("requests_per_month", -1, "zero or more"),
    ("lambda_duration_ms", 0, "more than zero"),
    ("lambda_memory_mb", 64, "128 to 10240"),
    ("lambda_architecture", "arm", "x86_64"),
    ("api_type", "websocket", "http"),
    ("write_fraction", 1.5, "between 0 and 1"),
    ("page_views_per_month", float("nan"), "finite number"),
])
def test_invalid_traffic_says_which_field_to_fix(field, value, message):
    with pytest.raises(ValueError, match=message) as error:
        AppTraffic(**{field: value})
    assert field in str(error.value)
